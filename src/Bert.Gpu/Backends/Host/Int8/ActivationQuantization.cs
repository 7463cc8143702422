namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// How <see cref="HostInt8Gemm"/> turns fp32 activations into int8 while it packs them: symmetric, <c>q =
/// round-half-to-even(x / scale)</c> clamped to [-127, 127], with either one scale per row (token) taken from the row
/// itself or one calibrated scale for the whole tensor.
/// </summary>
internal readonly struct ActivationQuantization
{
    private readonly float _scale;

    private ActivationQuantization(float scale) => _scale = scale;

    /// <summary>Per token: <c>scale_r = max|x_r| / 127</c>, or 1 where that is 0 (a zero row, or an underflow).</summary>
    public static ActivationQuantization Dynamic => default;

    /// <summary>Per tensor: one calibrated scale, values beyond ±127·scale clamped.</summary>
    public static ActivationQuantization Static(float scale)
    {
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "A static activation scale must be positive and finite.");
        return new ActivationQuantization(scale);
    }

    public bool IsDynamic => _scale == 0;

    /// <summary>The static scale (0 when <see cref="IsDynamic"/>).</summary>
    public float Scale => _scale;

    public override string ToString() => IsDynamic ? "dynamic per token" : $"static {_scale}";
}
