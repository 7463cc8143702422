namespace Bert.Gpu.Backends;

/// <summary>
/// The weight <c>[out, in]</c> and bias <c>[out]</c> of one linear layer, uploaded in whatever layout the backend's
/// GEMM reads fastest (the host backend packs column panels; a GPU keeps PyTorch's layout).
/// </summary>
public interface ILinearWeights : IDisposable
{
    /// <summary>Input width (the GEMM's K).</summary>
    int InFeatures { get; }

    /// <summary>Output width (the GEMM's N).</summary>
    int OutFeatures { get; }

    /// <summary>The format the layer runs in.</summary>
    LinearFormat Format { get; }
}
