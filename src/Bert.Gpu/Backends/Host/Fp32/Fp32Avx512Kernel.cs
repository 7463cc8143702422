using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Fp32;

/// <summary>
/// The AVX-512 path: a 12 × 32 micro-kernel over two neighbouring panels at once — 24 accumulators, two panel loads
/// and one broadcast per k, 27 of the 32 zmm registers, 24 FMAs per 14 loads (AVX2's 6 × 16 does 12 per 8) — then
/// 12 × 16 for an odd panel and 1 × 16 for the last rows. The same packing as AVX2 (16-wide panels), so weights are
/// packed once for every path. Contract: <see cref="HostFp32Paths.Block"/>.
/// </summary>
internal static unsafe class Fp32Avx512Kernel
{
    private const int Rows = 12;
    private const int Width = HostLinearWeights.PanelWidth;

    public static void Block(float* x, int ldx, int depth, float* w, long panelStride, float* bias, float* y, int ldy,
        bool first, int rows, int panels)
    {
        var panel = 0;
        for (; panel + 2 <= panels; panel += 2, w += 2 * panelStride, bias += 2 * Width, y += 2 * Width)
        {
            var r = 0;
            for (; r + Rows <= rows; r += Rows)
                Tile12x32(x + (long)r * ldx, ldx, depth, w, w + panelStride, bias, y + (long)r * ldy, ldy, first);
            for (; r < rows; r++)
            {
                Tile1(x + (long)r * ldx, depth, w, bias, y + (long)r * ldy, first);
                Tile1(x + (long)r * ldx, depth, w + panelStride, bias + Width, y + (long)r * ldy + Width, first);
            }
        }
        if (panel < panels)
        {
            var r = 0;
            for (; r + Rows <= rows; r += Rows)
                Tile12x16(x + (long)r * ldx, ldx, depth, w, bias, y + (long)r * ldy, ldy, first);
            for (; r < rows; r++)
                Tile1(x + (long)r * ldx, depth, w, bias, y + (long)r * ldy, first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x32(float* x, int ldx, int depth, float* w0p, float* w1p, float* bias, float* y, int ldy, bool first)
    {
        // The first slice starts from the bias, later ones from the partial sums in Y.
        var s0 = first ? bias : y;
        Vector512<float> c0a = Vector512.Load(s0), c0b = Vector512.Load(s0 + Width);
        var s1 = first ? bias : y + ldy;
        Vector512<float> c1a = Vector512.Load(s1), c1b = Vector512.Load(s1 + Width);
        var s2 = first ? bias : y + 2 * ldy;
        Vector512<float> c2a = Vector512.Load(s2), c2b = Vector512.Load(s2 + Width);
        var s3 = first ? bias : y + 3 * ldy;
        Vector512<float> c3a = Vector512.Load(s3), c3b = Vector512.Load(s3 + Width);
        var s4 = first ? bias : y + 4 * ldy;
        Vector512<float> c4a = Vector512.Load(s4), c4b = Vector512.Load(s4 + Width);
        var s5 = first ? bias : y + 5 * ldy;
        Vector512<float> c5a = Vector512.Load(s5), c5b = Vector512.Load(s5 + Width);
        var s6 = first ? bias : y + 6 * ldy;
        Vector512<float> c6a = Vector512.Load(s6), c6b = Vector512.Load(s6 + Width);
        var s7 = first ? bias : y + 7 * ldy;
        Vector512<float> c7a = Vector512.Load(s7), c7b = Vector512.Load(s7 + Width);
        var s8 = first ? bias : y + 8 * ldy;
        Vector512<float> c8a = Vector512.Load(s8), c8b = Vector512.Load(s8 + Width);
        var s9 = first ? bias : y + 9 * ldy;
        Vector512<float> c9a = Vector512.Load(s9), c9b = Vector512.Load(s9 + Width);
        var s10 = first ? bias : y + 10 * ldy;
        Vector512<float> c10a = Vector512.Load(s10), c10b = Vector512.Load(s10 + Width);
        var s11 = first ? bias : y + 11 * ldy;
        Vector512<float> c11a = Vector512.Load(s11), c11b = Vector512.Load(s11 + Width);
        for (var p = 0; p < depth; p++, w0p += Width, w1p += Width)
        {
            var w0 = Vector512.Load(w0p);
            var w1 = Vector512.Load(w1p);
            Vector512<float> a;
            a = Vector512.Create(x[p]); c0a = Vector512.FusedMultiplyAdd(a, w0, c0a); c0b = Vector512.FusedMultiplyAdd(a, w1, c0b);
            a = Vector512.Create(x[ldx + p]); c1a = Vector512.FusedMultiplyAdd(a, w0, c1a); c1b = Vector512.FusedMultiplyAdd(a, w1, c1b);
            a = Vector512.Create(x[2 * ldx + p]); c2a = Vector512.FusedMultiplyAdd(a, w0, c2a); c2b = Vector512.FusedMultiplyAdd(a, w1, c2b);
            a = Vector512.Create(x[3 * ldx + p]); c3a = Vector512.FusedMultiplyAdd(a, w0, c3a); c3b = Vector512.FusedMultiplyAdd(a, w1, c3b);
            a = Vector512.Create(x[4 * ldx + p]); c4a = Vector512.FusedMultiplyAdd(a, w0, c4a); c4b = Vector512.FusedMultiplyAdd(a, w1, c4b);
            a = Vector512.Create(x[5 * ldx + p]); c5a = Vector512.FusedMultiplyAdd(a, w0, c5a); c5b = Vector512.FusedMultiplyAdd(a, w1, c5b);
            a = Vector512.Create(x[6 * ldx + p]); c6a = Vector512.FusedMultiplyAdd(a, w0, c6a); c6b = Vector512.FusedMultiplyAdd(a, w1, c6b);
            a = Vector512.Create(x[7 * ldx + p]); c7a = Vector512.FusedMultiplyAdd(a, w0, c7a); c7b = Vector512.FusedMultiplyAdd(a, w1, c7b);
            a = Vector512.Create(x[8 * ldx + p]); c8a = Vector512.FusedMultiplyAdd(a, w0, c8a); c8b = Vector512.FusedMultiplyAdd(a, w1, c8b);
            a = Vector512.Create(x[9 * ldx + p]); c9a = Vector512.FusedMultiplyAdd(a, w0, c9a); c9b = Vector512.FusedMultiplyAdd(a, w1, c9b);
            a = Vector512.Create(x[10 * ldx + p]); c10a = Vector512.FusedMultiplyAdd(a, w0, c10a); c10b = Vector512.FusedMultiplyAdd(a, w1, c10b);
            a = Vector512.Create(x[11 * ldx + p]); c11a = Vector512.FusedMultiplyAdd(a, w0, c11a); c11b = Vector512.FusedMultiplyAdd(a, w1, c11b);
        }
        c0a.Store(y); c0b.Store(y + Width);
        y += ldy; c1a.Store(y); c1b.Store(y + Width);
        y += ldy; c2a.Store(y); c2b.Store(y + Width);
        y += ldy; c3a.Store(y); c3b.Store(y + Width);
        y += ldy; c4a.Store(y); c4b.Store(y + Width);
        y += ldy; c5a.Store(y); c5b.Store(y + Width);
        y += ldy; c6a.Store(y); c6b.Store(y + Width);
        y += ldy; c7a.Store(y); c7b.Store(y + Width);
        y += ldy; c8a.Store(y); c8b.Store(y + Width);
        y += ldy; c9a.Store(y); c9b.Store(y + Width);
        y += ldy; c10a.Store(y); c10b.Store(y + Width);
        y += ldy; c11a.Store(y); c11b.Store(y + Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x16(float* x, int ldx, int depth, float* w, float* bias, float* y, int ldy, bool first)
    {
        var c0 = Vector512.Load(first ? bias : y);
        var c1 = Vector512.Load(first ? bias : y + ldy);
        var c2 = Vector512.Load(first ? bias : y + 2 * ldy);
        var c3 = Vector512.Load(first ? bias : y + 3 * ldy);
        var c4 = Vector512.Load(first ? bias : y + 4 * ldy);
        var c5 = Vector512.Load(first ? bias : y + 5 * ldy);
        var c6 = Vector512.Load(first ? bias : y + 6 * ldy);
        var c7 = Vector512.Load(first ? bias : y + 7 * ldy);
        var c8 = Vector512.Load(first ? bias : y + 8 * ldy);
        var c9 = Vector512.Load(first ? bias : y + 9 * ldy);
        var c10 = Vector512.Load(first ? bias : y + 10 * ldy);
        var c11 = Vector512.Load(first ? bias : y + 11 * ldy);
        for (var p = 0; p < depth; p++, w += Width)
        {
            var wv = Vector512.Load(w);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[p]), wv, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(x[ldx + p]), wv, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(x[2 * ldx + p]), wv, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(x[3 * ldx + p]), wv, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(x[4 * ldx + p]), wv, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(x[5 * ldx + p]), wv, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(x[6 * ldx + p]), wv, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(x[7 * ldx + p]), wv, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(x[8 * ldx + p]), wv, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(x[9 * ldx + p]), wv, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(x[10 * ldx + p]), wv, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(x[11 * ldx + p]), wv, c11);
        }
        c0.Store(y);
        y += ldy; c1.Store(y);
        y += ldy; c2.Store(y);
        y += ldy; c3.Store(y);
        y += ldy; c4.Store(y);
        y += ldy; c5.Store(y);
        y += ldy; c6.Store(y);
        y += ldy; c7.Store(y);
        y += ldy; c8.Store(y);
        y += ldy; c9.Store(y);
        y += ldy; c10.Store(y);
        y += ldy; c11.Store(y);
    }

    private static void Tile1(float* x, int depth, float* w, float* bias, float* y, bool first)
    {
        var c = Vector512.Load(first ? bias : y);
        for (var p = 0; p < depth; p++, w += Width)
            c = Vector512.FusedMultiplyAdd(Vector512.Create(x[p]), Vector512.Load(w), c);
        c.Store(y);
    }
}
