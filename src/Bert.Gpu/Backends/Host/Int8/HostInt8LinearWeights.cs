namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// A linear layer with symmetric per-output-channel int8 weights (<c>w[c, k] ≈ q[c, k]·scale[c]</c>), packed for
/// <see cref="HostInt8Gemm"/>: output columns in panels of <see cref="PanelWidth"/>, each panel stored as
/// <c>[k / 2][PanelWidth][2]</c> int16, so one 32-byte load holds eight columns' weights for two consecutive k and
/// <c>vpmaddwd</c> against a broadcast activation pair gives eight exact two-term int32 dot products.
/// Int16 rather than int8 costs twice the memory (2 bytes a weight, half of fp32) and buys exactness: AVX2's only
/// 8-bit multiply, <c>vpmaddubsw</c>, sums its pairs into saturating int16. The last panel and an odd K are
/// zero-padded; scales and bias are padded alike.
/// </summary>
internal sealed class HostInt8LinearWeights : ILinearWeights
{
    public const int PanelWidth = 16;

    /// <summary>
    /// The widest K whose worst-case dot product fits int32: 127·127·K ≤ 2³¹ − 1 for K ≤ 133,144.
    /// </summary>
    public const int MaxInFeatures = int.MaxValue / (127 * 127);

    /// <param name="weights">Quantized weights <c>[out, in]</c> row-major (PyTorch's Linear layout), in [-127, 127].</param>
    /// <param name="scales">Per output channel, finite.</param>
    /// <param name="bias">Per output channel, fp32.</param>
    /// <param name="outFeatures">N, the output width.</param>
    /// <param name="inFeatures">K, the input width, at most <see cref="MaxInFeatures"/>.</param>
    public HostInt8LinearWeights(sbyte[] weights, float[] scales, float[] bias, int outFeatures, int inFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inFeatures, MaxInFeatures);
        if (weights.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"Expected {outFeatures}×{inFeatures} weights, got {weights.Length}.", nameof(weights));
        if (scales.Length != outFeatures || bias.Length != outFeatures)
            throw new ArgumentException($"Scales ({scales.Length}) and bias ({bias.Length}) must have {outFeatures} values.", nameof(scales));
        if (weights.AsSpan().IndexOf(sbyte.MinValue) is var at and >= 0)
            throw new ArgumentException($"Weight {at} is -128: symmetric int8 weights lie in [-127, 127].", nameof(weights));
        if (Array.FindIndex(scales, s => !float.IsFinite(s)) is var bad and >= 0)
            throw new ArgumentException($"Scale {bad} is {scales[bad]}.", nameof(scales));

        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Pairs = (inFeatures + 1) / 2;
        Panels = (outFeatures + PanelWidth - 1) / PanelWidth;
        Packed = new short[(long)Panels * Pairs * PanelWidth * 2];
        Scales = new float[Panels * PanelWidth];
        Bias = new float[Panels * PanelWidth];
        scales.CopyTo(Scales, 0);
        bias.CopyTo(Bias, 0);
        for (var c = 0; c < outFeatures; c++)
        {
            var row = weights.AsSpan(c * inFeatures, inFeatures);
            var dst = ((long)(c / PanelWidth) * Pairs * PanelWidth + c % PanelWidth) * 2;
            for (var k = 0; k < inFeatures; k++)
                Packed[dst + k / 2 * PanelWidth * 2 + k % 2] = row[k];
        }
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>K rounded up to pairs.</summary>
    public int Pairs { get; }

    public int Panels { get; }

    /// <summary><c>[panel][pair][column][2]</c> int16.</summary>
    public short[] Packed { get; }

    /// <summary>Per-channel weight scales, padded to whole panels.</summary>
    public float[] Scales { get; }

    /// <summary>Bias, padded to whole panels.</summary>
    public float[] Bias { get; }

    public void Dispose()
    {
        // Managed memory: the GC reclaims it.
    }
}
