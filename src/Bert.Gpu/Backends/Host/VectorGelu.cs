using System.Runtime.Intrinsics;
using static Bert.Gpu.Kernels.Math.Gelu;

namespace Bert.Gpu.Backends.Host;

/// <summary>Eight-wide exact GELU: the formula of <see cref="Bert.Gpu.Kernels.Math.Gelu"/>, lane by lane.</summary>
internal static class VectorGelu
{
    public static Vector256<float> Apply(Vector256<float> x)
    {
        var z = Vector256.Clamp(x * Vector256.Create(InvSqrt2), Vector256.Create(-ErfClamp), Vector256.Create(ErfClamp));
        var z2 = z * z;
        var p = Vector256.Create(P13);
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P11));
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P9));
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P7));
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, z2, Vector256.Create(P1));
        var q = Vector256.Create(Q8);
        q = Vector256.FusedMultiplyAdd(q, z2, Vector256.Create(Q6));
        q = Vector256.FusedMultiplyAdd(q, z2, Vector256.Create(Q4));
        q = Vector256.FusedMultiplyAdd(q, z2, Vector256.Create(Q2));
        q = Vector256.FusedMultiplyAdd(q, z2, Vector256.Create(Q0));
        var erf = z * p / q;
        return Vector256.Create(0.5f) * x * (Vector256<float>.One + erf);
    }
}
