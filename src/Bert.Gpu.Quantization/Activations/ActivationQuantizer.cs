namespace Bert.Gpu.Quantization.Activations;

/// <summary>
/// The reference quantization of activations, which the int8 kernels are tested against bit for bit. Both modes use
/// <see cref="SymmetricInt8.Quantize"/>: an fp32 division by the scale, then round half to even, then clamp to ±127.
/// </summary>
public static class ActivationQuantizer
{
    /// <summary>Static per-tensor: every value with the one calibrated <paramref name="scale"/>; values past the threshold clip to ±127.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, the scale is not positive and finite, or a value is NaN or infinite.</exception>
    public static void QuantizeStatic(ReadOnlySpan<float> x, float scale, Span<sbyte> codes)
    {
        if (codes.Length != x.Length)
            throw new ArgumentException($"{codes.Length} codes for {x.Length} values.", nameof(codes));
        if (!(scale > 0) || !float.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        for (var i = 0; i < x.Length; i++)
            codes[i] = SymmetricInt8.Quantize(Finite(x, i), scale);
    }

    /// <summary>
    /// Dynamic per-token: for each row of <paramref name="columns"/> values, <c>scale = SymmetricInt8.Scale(max|x_row|)</c>
    /// (<c>max(max|x_row| / 127, 2^−126)</c>), then every value of the row with it; the row's largest magnitude becomes ±127.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not agree with <paramref name="columns"/>, or a value is NaN or infinite.</exception>
    public static void QuantizePerToken(ReadOnlySpan<float> x, int columns, Span<sbyte> codes, Span<float> scales)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (x.Length % columns != 0 || codes.Length != x.Length || scales.Length != x.Length / columns)
            throw new ArgumentException($"{x.Length} values, {codes.Length} codes and {scales.Length} scales do not make rows of {columns}.", nameof(x));
        for (var r = 0; r < scales.Length; r++)
        {
            var absMax = 0f;
            for (var i = r * columns; i < (r + 1) * columns; i++)
                absMax = MathF.Max(absMax, MathF.Abs(Finite(x, i)));
            var scale = scales[r] = SymmetricInt8.Scale(absMax);
            for (var i = r * columns; i < (r + 1) * columns; i++)
                codes[i] = SymmetricInt8.Quantize(x[i], scale);
        }
    }

    private static float Finite(ReadOnlySpan<float> x, int i) => float.IsFinite(x[i])
        ? x[i]
        : throw new ArgumentException($"activation {i} is {x[i]}; only finite activations can be quantized.", nameof(x));
}
