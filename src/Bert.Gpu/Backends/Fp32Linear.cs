using Bert.Gpu.Model;
namespace Bert.Gpu.Backends;

/// <summary>An fp32 linear layer: weight <c>[out, in]</c>, bias <c>[out]</c>.</summary>
public sealed class Fp32Linear : LinearLayer
{
    /// <summary>Wraps the tensors (not copied) after checking their shapes.</summary>
    /// <exception cref="ArgumentException">The weight is not two-dimensional, or the bias does not match it.</exception>
    public Fp32Linear(FloatTensor weight, FloatTensor bias)
        : base(bias, OutOf(weight), weight.Shape[1])
    {
        Weight = weight;
    }

    /// <summary>The weight <c>[out, in]</c>.</summary>
    public FloatTensor Weight { get; }

    /// <inheritdoc />
    public override LinearFormat Format => LinearFormat.Fp32;

    private static int OutOf(FloatTensor weight) => weight.Shape.Length == 2
        ? weight.Shape[0]
        : throw new ArgumentException($"A linear weight must be [out, in], got {weight.ShapeText}.", nameof(weight));
}
