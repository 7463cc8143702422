using Bert.Gpu.Model;
namespace Bert.Gpu.Backends;

/// <summary>Shorthands over <see cref="IComputeBackend"/>.</summary>
public static class BackendExtensions
{
    /// <summary>Uploads an fp32 linear layer: <paramref name="weight"/> <c>[out, in]</c>, <paramref name="bias"/> <c>[out]</c>.</summary>
    public static ILinearWeights UploadLinear(this IComputeBackend backend, FloatTensor weight, FloatTensor bias) =>
        backend.UploadLinear(new Fp32Linear(weight, bias));
}
