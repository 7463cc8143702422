using Bert.Gpu.Model;

namespace Bert.Gpu.Backends;

/// <summary>The check every backend's <see cref="IComputeBackend.UploadLinear"/> makes before laying a layer out.</summary>
internal static class LinearWeightShape
{
    /// <summary>Output and input widths of <paramref name="weight"/> <c>[out, in]</c>, after checking <paramref name="bias"/> is <c>[out]</c>.</summary>
    public static (int Out, int In) Of(FloatTensor weight, FloatTensor bias)
    {
        if (weight.Shape.Length != 2)
            throw new ArgumentException($"A linear weight must be [out, in], got {weight.ShapeText}.", nameof(weight));
        if (!bias.HasShape(weight.Shape[0]))
            throw new ArgumentException($"Bias {bias.ShapeText} does not match weight {weight.ShapeText}.", nameof(bias));
        return (weight.Shape[0], weight.Shape[1]);
    }
}
