using Bert.Gpu.Model;
namespace Bert.Gpu.Backends;

/// <summary>
/// A linear layer <c>y = x·Wᵀ + b</c> in host memory, in the format it is to run in (<see cref="Fp32Linear"/>,
/// <see cref="Int8Linear"/>): what <see cref="IComputeBackend.UploadLinear(LinearLayer)"/> lays out for its device.
/// The weight is PyTorch's <c>[out, in]</c>; the bias stays fp32 in every format.
/// </summary>
public abstract class LinearLayer
{
    /// <summary>Checks that <paramref name="bias"/> is <c>[outFeatures]</c>: the one shape check of every format.</summary>
    private protected LinearLayer(FloatTensor bias, int outFeatures, int inFeatures)
    {
        ArgumentNullException.ThrowIfNull(bias);
        if (!bias.HasShape(outFeatures))
            throw new ArgumentException($"Bias {bias.ShapeText} does not match a weight of [{outFeatures},{inFeatures}].", nameof(bias));
        Bias = bias;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>The bias <c>[out]</c>.</summary>
    public FloatTensor Bias { get; }

    /// <summary>Output width (the GEMM's N).</summary>
    public int OutFeatures { get; }

    /// <summary>Input width (the GEMM's K).</summary>
    public int InFeatures { get; }

    /// <summary>The format the layer runs in.</summary>
    public abstract LinearFormat Format { get; }
}
