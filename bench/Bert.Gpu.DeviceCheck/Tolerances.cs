namespace Bert.Gpu.DeviceCheck;

/// <summary>Largest max |device − host| that passes (and, for encoders, the smallest per-token cosine), per kind of check.</summary>
internal static class Tolerances
{
    /// <summary>One kernel: fp32 sums in another order, ex2.approx in the softmax, FMA contraction.</summary>
    public const double Op = 1e-4;

    /// <summary>Pooling and L2: a few adds per value, nothing to drift.</summary>
    public const double Pool = 1e-5;

    /// <summary>Whole encoders: a layer's rounding differences pass through every following layer (12 for BERT-base).</summary>
    public const double Encoder = 1e-3;

    /// <summary>
    /// fp16 attention on fp16-exact Q, K, V (|v| ≤ 2) against the fp32 host: the kernel rounds the probabilities
    /// (≤ 1, half an ulp 2⁻¹²) before p·v and its fp16 context (|c| ≤ 2, half an ulp 2⁻¹⁰); 2/2048 + 1/2048 ≈ 1.5e-3, as
    /// FlashAttentionCase.Tolerance bounds the kernel in the tests. Measured 6.2e-4 (head dim 32) and 5.3e-4 (64) on the
    /// CPU emulator and PoCL, small shapes, 2026-12-01.
    /// </summary>
    public const double Fp16Attention = 1.5e-3;

    /// <summary>
    /// fp16 encoders against the fp32 host: every GEMM input and weight rounded to fp16 (2⁻¹¹ ≈ 4.9e-4 relative), the
    /// error carried through every layer. Measured 5.2e-4 worst (2 layers, 43 tokens × 64; emulator and PoCL alike,
    /// 2026-12-01); growing with the layers, 12 give at most ~6 × that, 3e-3, and the max over BERT-base's 1024 × 768
    /// values a longer tail: 5e-2 leaves a first GPU run (ex2.approx, other summation orders) room without hiding a
    /// broken kernel, whose errors are O(1) with cosines far below <see cref="EncoderCosine"/>.
    /// </summary>
    public const double Fp16Encoder = 5e-2;

    /// <summary>Smallest per-token (and per-embedding) cosine of any encoder's output with the host's: the fp16 bound, 0.9995.</summary>
    public const double EncoderCosine = 0.9995;
}
