namespace Bert.Gpu.Kernels.Math;

/// <summary>
/// The tanh form of GELU, <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>: HuggingFace's <c>gelu_new</c> and
/// <c>gelu_pytorch_tanh</c> (ALBERT, GPT-2-style checkpoints). tanh as <c>1 − 2/(1 + e^{2u})</c>: exp is the one
/// transcendental every backend has (on CUDA an approximate exp, a few ulp, far below the 1e-4 tolerances); it
/// saturates to ±1 without a clamp (e^{2u} overflows to ∞ or underflows to 0).
/// </summary>
public static class GeluTanh
{
    /// <summary>√(2/π).</summary>
    public const float Sqrt2OverPi = 0.7978845608028654f;

    /// <summary>The cubic term's coefficient.</summary>
    public const float Cubic = 0.044715f;

    /// <summary>GELU, tanh form.</summary>
    public static float Apply(float x) => 0.5f * x * (1f + Tanh(Sqrt2OverPi * (x + Cubic * x * x * x)));

    /// <summary>tanh as <c>1 − 2/(1 + e^{2u})</c> (see the class summary; absolute error a few 1e-8 near 0, where it cancels).</summary>
    public static float Tanh(float u) => 1f - 2f / (1f + MathF.Exp(2f * u));
}
