using System.Runtime.Intrinsics;
using static Bert.Gpu.Kernels.Math.GeluTanh;

namespace Bert.Gpu.Backends.Host;

/// <summary>Eight-wide GELU, tanh form: the formula of <see cref="Bert.Gpu.Kernels.Math.GeluTanh"/>, lane by lane.</summary>
internal static class VectorGeluTanh
{
    public static Vector256<float> Apply(Vector256<float> x)
    {
        var u = Vector256.Create(Sqrt2OverPi) * Vector256.FusedMultiplyAdd(Vector256.Create(Cubic) * x * x, x, x);
        return Vector256.Create(0.5f) * x * (Vector256<float>.One + Tanh(u));
    }

    /// <summary>tanh as <see cref="Bert.Gpu.Kernels.Math.GeluTanh.Tanh"/> computes it, eight lanes.</summary>
    public static Vector256<float> Tanh(Vector256<float> u)
    {
        var one = Vector256<float>.One;
        return one - Vector256.Create(2f) / (one + Vector256.Exp(u + u));
    }
}
