using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Fp32;

/// <summary>
/// The AVX2 path: a 6 × 16 register-blocked micro-kernel — 12 accumulators, two panel loads and one broadcast per k,
/// 15 of the 16 ymm registers — and a 1 × 16 one for the last rows. Contract: <see cref="HostFp32Paths.Block"/>.
/// </summary>
internal static unsafe class Fp32Avx2Kernel
{
    private const int Width = HostLinearWeights.PanelWidth;

    private const int Rows = 6;

    public static void Block(float* x, int ldx, int depth, float* w, long panelStride, float* bias, float* y, int ldy,
        bool first, int rows, int panels)
    {
        // Panel outside, rows inside: each panel's slice is read from L1 by every micro-tile of the block.
        for (var panel = 0; panel < panels; panel++, w += panelStride, bias += Width, y += Width)
        {
            var r = 0;
            for (; r + Rows <= rows; r += Rows)
                Tile6(x + (long)r * ldx, ldx, depth, w, bias, y + (long)r * ldy, ldy, first);
            for (; r < rows; r++)
                Tile1(x + (long)r * ldx, depth, w, bias, y + (long)r * ldy, first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6(float* x, int ldx, int depth, float* w, float* bias, float* y, int ldy, bool first)
    {
        // The first slice starts from the bias, later ones from the partial sums in Y: one pointer, one load.
        float* s0 = first ? bias : y, s1 = first ? bias : y + ldy, s2 = first ? bias : y + 2 * ldy;
        float* s3 = first ? bias : y + 3 * ldy, s4 = first ? bias : y + 4 * ldy, s5 = first ? bias : y + 5 * ldy;
        Vector256<float> c00 = Vector256.Load(s0), c01 = Vector256.Load(s0 + 8);
        Vector256<float> c10 = Vector256.Load(s1), c11 = Vector256.Load(s1 + 8);
        Vector256<float> c20 = Vector256.Load(s2), c21 = Vector256.Load(s2 + 8);
        Vector256<float> c30 = Vector256.Load(s3), c31 = Vector256.Load(s3 + 8);
        Vector256<float> c40 = Vector256.Load(s4), c41 = Vector256.Load(s4 + 8);
        Vector256<float> c50 = Vector256.Load(s5), c51 = Vector256.Load(s5 + 8);
        float* x0 = x, x1 = x + ldx, x2 = x + 2 * ldx, x3 = x + 3 * ldx, x4 = x + 4 * ldx, x5 = x + 5 * ldx;
        for (var p = 0; p < depth; p++, w += Width)
        {
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + 8);
            var a = Vector256.Create(x0[p]);
            c00 = Vector256.FusedMultiplyAdd(a, w0, c00);
            c01 = Vector256.FusedMultiplyAdd(a, w1, c01);
            a = Vector256.Create(x1[p]);
            c10 = Vector256.FusedMultiplyAdd(a, w0, c10);
            c11 = Vector256.FusedMultiplyAdd(a, w1, c11);
            a = Vector256.Create(x2[p]);
            c20 = Vector256.FusedMultiplyAdd(a, w0, c20);
            c21 = Vector256.FusedMultiplyAdd(a, w1, c21);
            a = Vector256.Create(x3[p]);
            c30 = Vector256.FusedMultiplyAdd(a, w0, c30);
            c31 = Vector256.FusedMultiplyAdd(a, w1, c31);
            a = Vector256.Create(x4[p]);
            c40 = Vector256.FusedMultiplyAdd(a, w0, c40);
            c41 = Vector256.FusedMultiplyAdd(a, w1, c41);
            a = Vector256.Create(x5[p]);
            c50 = Vector256.FusedMultiplyAdd(a, w0, c50);
            c51 = Vector256.FusedMultiplyAdd(a, w1, c51);
        }
        c00.Store(y); c01.Store(y + 8);
        y += ldy; c10.Store(y); c11.Store(y + 8);
        y += ldy; c20.Store(y); c21.Store(y + 8);
        y += ldy; c30.Store(y); c31.Store(y + 8);
        y += ldy; c40.Store(y); c41.Store(y + 8);
        y += ldy; c50.Store(y); c51.Store(y + 8);
    }

    private static void Tile1(float* x, int depth, float* w, float* bias, float* y, bool first)
    {
        var s = first ? bias : y;
        Vector256<float> c0 = Vector256.Load(s), c1 = Vector256.Load(s + 8);
        for (var p = 0; p < depth; p++, w += Width)
        {
            var a = Vector256.Create(x[p]);
            c0 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w), c0);
            c1 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w + 8), c1);
        }
        c0.Store(y);
        c1.Store(y + 8);
    }
}
