namespace Bert.Gpu.Quantization;

/// <summary>
/// The one int8 code used for weights and activations: symmetric levels −127…127 with a scale <c>s</c>, so that
/// <c>q = clamp(round(x / s), −127, 127)</c> and <c>x ≈ q·s</c>. Level −128 is never used: the range stays symmetric
/// (negating a code never overflows) and a scale derived from max |x| maps both signs alike.
/// </summary>
/// <remarks>
/// Rounding is half to even. It is what PyTorch (<c>torch.round</c>, <c>quantize_per_channel</c>), ONNX QuantizeLinear,
/// x86 <c>cvtps2dq</c> and PTX <c>cvt.rni</c> do, so a kernel that quantizes activations gets these exact codes from
/// its native conversion, while rounding half away from zero would cost it extra instructions on every value.
/// </remarks>
public static class SymmetricInt8
{
    /// <summary>The largest level, 127; −127 is the smallest.</summary>
    public const int MaxLevel = 127;

    /// <summary>
    /// The smallest scale, 2^−126 (the smallest normal float). A zero row (max |x| = 0) gets it, so its codes are 0 and
    /// dequantize to 0 without a division by zero; a subnormal max/127 would also lose bits to underflow.
    /// </summary>
    public const float MinScale = 1.17549435e-38f;

    /// <summary>
    /// The scale for values whose largest magnitude is <paramref name="absMax"/>: <c>max(absMax / 127, 2^−126)</c>,
    /// computed as an fp32 division (a kernel must divide too, not multiply by 1/127, to match bit for bit).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="absMax"/> is negative, infinite or NaN.</exception>
    public static float Scale(float absMax)
    {
        if (!(absMax >= 0) || float.IsPositiveInfinity(absMax))
            throw new ArgumentOutOfRangeException(nameof(absMax), absMax, "A clipping threshold or max |x| must be finite and non-negative.");
        return MathF.Max(absMax / MaxLevel, MinScale);
    }

    /// <summary>
    /// <c>clamp(round_half_even(x / scale), −127, 127)</c>, the division in fp32. A value beyond the threshold the scale
    /// came from is clipped to ±127.
    /// </summary>
    public static sbyte Quantize(float x, float scale) =>
        (sbyte)Math.Clamp(MathF.Round(x / scale, MidpointRounding.ToEven), -MaxLevel, MaxLevel);
}
