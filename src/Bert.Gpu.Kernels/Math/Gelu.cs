namespace Bert.Gpu.Kernels.Math;

/// <summary>
/// Exact (erf) GELU in fp32, usable inside ILGPU kernels (plain arithmetic only: ILGPU has no erf, and its exp
/// lowers to an approximate instruction on CUDA) and by the host backend, which vectorises the same formula.
/// </summary>
/// <remarks>
/// erf is the odd/even rational approximation <c>x·P(x²)/Q(x²)</c> on <c>[-4, 4]</c> (outside it erf is ±1 in fp32),
/// the fit Eigen and XLA use for fp32; its error is a few ulp, far below BERT's tolerances, and it needs no exp.
/// </remarks>
public static class Gelu
{
    /// <summary>|x| beyond which erf(x) rounds to ±1 in fp32.</summary>
    public const float ErfClamp = 4f;

    /// <summary>Numerator coefficients, highest power of x² first (the result is multiplied by x).</summary>
    public const float P13 = -2.72614225801306e-10f, P11 = 2.77068142495902e-08f, P9 = -2.10102402082508e-06f,
        P7 = -5.69250639462346e-05f, P5 = -7.34990630326855e-04f, P3 = -2.95459980854025e-03f, P1 = -1.60960333262415e-02f;

    /// <summary>Denominator coefficients, highest power of x² first.</summary>
    public const float Q8 = -1.45660718464996e-05f, Q6 = -2.13374055278905e-04f, Q4 = -1.68282697438203e-03f,
        Q2 = -7.37332916720468e-03f, Q0 = -1.42647390514189e-02f;

    /// <summary>1/√2.</summary>
    public const float InvSqrt2 = 0.70710678118654752f;

    /// <summary>The error function, to a few ulp.</summary>
    public static float Erf(float x)
    {
        x = x > ErfClamp ? ErfClamp : x < -ErfClamp ? -ErfClamp : x;
        var x2 = x * x;
        var p = P13;
        p = p * x2 + P11;
        p = p * x2 + P9;
        p = p * x2 + P7;
        p = p * x2 + P5;
        p = p * x2 + P3;
        p = p * x2 + P1;
        var q = Q8;
        q = q * x2 + Q6;
        q = q * x2 + Q4;
        q = q * x2 + Q2;
        q = q * x2 + Q0;
        return x * p / q;
    }

    /// <summary><c>0.5·x·(1 + erf(x/√2))</c>.</summary>
    public static float Apply(float x) => 0.5f * x * (1f + Erf(x * InvSqrt2));
}
