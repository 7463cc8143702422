namespace Bert.Gpu.DeviceCheck;

/// <summary>Largest max |device − host| that passes, per kind of check.</summary>
internal static class Tolerances
{
    /// <summary>One kernel: fp32 sums in another order, ex2.approx in the softmax, FMA contraction.</summary>
    public const double Op = 1e-4;

    /// <summary>Pooling and L2: a few adds per value, nothing to drift.</summary>
    public const double Pool = 1e-5;

    /// <summary>Whole encoders: a layer's rounding differences pass through every following layer (12 for BERT-base).</summary>
    public const double Encoder = 1e-3;
}
