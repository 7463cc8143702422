using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Fp32;

/// <summary>
/// The portable path, for CPUs without AVX2 (NEON, SSE-only x86): <see cref="Vector128"/> on 4 × 16 tiles — 16
/// accumulators, four panel loads and one broadcast per k, 21 of NEON's 32 registers (SSE's 16 spill a few). The
/// multiply-add is fused where the CPU has FMA, so there it gives the AVX2 path's bits; without FMA, a multiply then an
/// add (a software-emulated fusion would cost far more than the rounding it saves). Contract: <see cref="HostFp32Paths.Block"/>.
/// </summary>
internal static unsafe class Fp32PortableKernel
{
    private const int Rows = 4;
    private const int Width = HostLinearWeights.PanelWidth;

    public static void Block(float* x, int ldx, int depth, float* w, long panelStride, float* bias, float* y, int ldy,
        bool first, int rows, int panels)
    {
        for (var panel = 0; panel < panels; panel++, w += panelStride, bias += Width, y += Width)
        {
            var r = 0;
            for (; r + Rows <= rows; r += Rows)
                Tile4(x + (long)r * ldx, ldx, depth, w, bias, y + (long)r * ldy, ldy, first);
            for (; r < rows; r++)
                Tile1(x + (long)r * ldx, depth, w, bias, y + (long)r * ldy, first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4(float* x, int ldx, int depth, float* w, float* bias, float* y, int ldy, bool first)
    {
        float* s0 = first ? bias : y, s1 = first ? bias : y + ldy, s2 = first ? bias : y + 2 * ldy, s3 = first ? bias : y + 3 * ldy;
        Vector128<float> c00 = Vector128.Load(s0), c01 = Vector128.Load(s0 + 4), c02 = Vector128.Load(s0 + 8), c03 = Vector128.Load(s0 + 12);
        Vector128<float> c10 = Vector128.Load(s1), c11 = Vector128.Load(s1 + 4), c12 = Vector128.Load(s1 + 8), c13 = Vector128.Load(s1 + 12);
        Vector128<float> c20 = Vector128.Load(s2), c21 = Vector128.Load(s2 + 4), c22 = Vector128.Load(s2 + 8), c23 = Vector128.Load(s2 + 12);
        Vector128<float> c30 = Vector128.Load(s3), c31 = Vector128.Load(s3 + 4), c32 = Vector128.Load(s3 + 8), c33 = Vector128.Load(s3 + 12);
        float* x0 = x, x1 = x + ldx, x2 = x + 2 * ldx, x3 = x + 3 * ldx;
        for (var p = 0; p < depth; p++, w += Width)
        {
            var w0 = Vector128.Load(w);
            var w1 = Vector128.Load(w + 4);
            var w2 = Vector128.Load(w + 8);
            var w3 = Vector128.Load(w + 12);
            var a = Vector128.Create(x0[p]);
            c00 = Fma(a, w0, c00); c01 = Fma(a, w1, c01); c02 = Fma(a, w2, c02); c03 = Fma(a, w3, c03);
            a = Vector128.Create(x1[p]);
            c10 = Fma(a, w0, c10); c11 = Fma(a, w1, c11); c12 = Fma(a, w2, c12); c13 = Fma(a, w3, c13);
            a = Vector128.Create(x2[p]);
            c20 = Fma(a, w0, c20); c21 = Fma(a, w1, c21); c22 = Fma(a, w2, c22); c23 = Fma(a, w3, c23);
            a = Vector128.Create(x3[p]);
            c30 = Fma(a, w0, c30); c31 = Fma(a, w1, c31); c32 = Fma(a, w2, c32); c33 = Fma(a, w3, c33);
        }
        c00.Store(y); c01.Store(y + 4); c02.Store(y + 8); c03.Store(y + 12);
        y += ldy; c10.Store(y); c11.Store(y + 4); c12.Store(y + 8); c13.Store(y + 12);
        y += ldy; c20.Store(y); c21.Store(y + 4); c22.Store(y + 8); c23.Store(y + 12);
        y += ldy; c30.Store(y); c31.Store(y + 4); c32.Store(y + 8); c33.Store(y + 12);
    }

    private static void Tile1(float* x, int depth, float* w, float* bias, float* y, bool first)
    {
        var s = first ? bias : y;
        Vector128<float> c0 = Vector128.Load(s), c1 = Vector128.Load(s + 4), c2 = Vector128.Load(s + 8), c3 = Vector128.Load(s + 12);
        for (var p = 0; p < depth; p++, w += Width)
        {
            var a = Vector128.Create(x[p]);
            c0 = Fma(a, Vector128.Load(w), c0);
            c1 = Fma(a, Vector128.Load(w + 4), c1);
            c2 = Fma(a, Vector128.Load(w + 8), c2);
            c3 = Fma(a, Vector128.Load(w + 12), c3);
        }
        c0.Store(y); c1.Store(y + 4); c2.Store(y + 8); c3.Store(y + 12);
    }
}
