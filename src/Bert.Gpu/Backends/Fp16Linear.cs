using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Model;

namespace Bert.Gpu.Backends;

/// <summary>
/// An fp16 linear layer: the weight rounded to fp16 (nearest even) as bit patterns <c>[out, PaddedInFeatures]</c>, the
/// input dimension zero-padded to a multiple of <see cref="KAlignment"/> as the tensor-core GEMM needs (zero columns
/// add nothing to a product), and the fp32 bias.
/// </summary>
public sealed class Fp16Linear : LinearLayer
{
    /// <summary>The multiple the GEMM's K is padded to: one m16n8k16 fragment row holds 8 halves of 16 bytes, what one <c>cp.async</c> copies.</summary>
    public const int KAlignment = 8;

    private Fp16Linear(ushort[] weight, FloatTensor bias, int outFeatures, int inFeatures)
        : base(bias, outFeatures, inFeatures) => Weight = weight;

    /// <summary>The weight's fp16 bits <c>[out, PaddedInFeatures]</c>, row-major.</summary>
    public ushort[] Weight { get; }

    /// <summary><see cref="LinearLayer.InFeatures"/> rounded up to a multiple of <see cref="KAlignment"/>.</summary>
    public int PaddedInFeatures => PaddedWidth(InFeatures);

    /// <inheritdoc />
    public override LinearFormat Format => LinearFormat.Fp16;

    /// <summary><paramref name="inFeatures"/> rounded up to a multiple of <see cref="KAlignment"/>.</summary>
    public static int PaddedWidth(int inFeatures) => (inFeatures + KAlignment - 1) / KAlignment * KAlignment;

    /// <summary>The fp16 form of <paramref name="layer"/>: each weight rounded to the nearest fp16 (ties to even).</summary>
    public static Fp16Linear From(Fp32Linear layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int rows = layer.OutFeatures, columns = layer.InFeatures, padded = PaddedWidth(columns);
        var source = layer.Weight.Data;
        var weight = new ushort[rows * padded];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                weight[r * padded + c] = (ushort)HalfBits.FromFloat(source[r * columns + c]);
        return new Fp16Linear(weight, layer.Bias, rows, columns);
    }
}
