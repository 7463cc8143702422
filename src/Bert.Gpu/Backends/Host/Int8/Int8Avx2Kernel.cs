using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// The AVX2 path: int8 values widened to int16 (activations at packing, weights at load) and multiplied with
/// <c>vpmaddwd</c>, which adds each pair of int16 products into int32 exactly (|2·127·127| = 32,258, far from
/// saturating). <c>vpmaddubsw</c> is not used: its u8·s8 pairs sum into saturating int16, and u8 activations
/// (q + 128 up to 255) against ±127 weights reach 2·255·127 = 64,770 &gt; 32,767. Its exact workaround (|a| against
/// sign(a)·w, 2·127·127 fits) needs a <c>vpsignb</c> per product vector, and on Zen 3 <c>vpsignb</c>,
/// <c>vpmaddubsw</c> and <c>vpmaddwd</c> share the same two pipes: measured in L1, 46 int8 OP/cycle for it against
/// 49 for this kernel (and 31.6 FLOP/cycle for the fp32 6×16 FMA kernel).
/// A 6×16 tile: 12 int32 accumulators, two weight loads and six pair broadcasts per two k (15 of 16 registers).
/// </summary>
internal static unsafe class Int8Avx2Kernel
{
    private const int MicroRows = 6;
    private const int Half = 8;

    /// <summary>
    /// Accumulates one panel's K slice into <paramref name="rowCount"/> rows of Y: <paramref name="a"/> is the first
    /// row's activation pairs at the slice start (rows <paramref name="stride"/> int16 apart), <paramref name="w"/> the
    /// panel's slice, <paramref name="row"/> the first row's index in <paramref name="tile"/>.
    /// </summary>
    public static void Block(short* a, int stride, int rowCount, int pairs, short* w, in Int32Tile tile, int row, int col, int cols)
    {
        var r = 0;
        for (; r + MicroRows <= rowCount; r += MicroRows)
            Kernel6x16(a + (long)r * stride, stride, pairs, w, tile, row + r, col, cols);
        for (; r < rowCount; r++)
            Kernel1x16(a + (long)r * stride, pairs, w, tile, row + r, col, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(short* a, int stride, int pairs, short* w, in Int32Tile tile, int row, int col, int cols)
    {
        var rest = cols - Half;
        var c00 = tile.Load(row, col, cols);
        var c01 = tile.Load(row, col + Half, rest);
        var c10 = tile.Load(row + 1, col, cols);
        var c11 = tile.Load(row + 1, col + Half, rest);
        var c20 = tile.Load(row + 2, col, cols);
        var c21 = tile.Load(row + 2, col + Half, rest);
        var c30 = tile.Load(row + 3, col, cols);
        var c31 = tile.Load(row + 3, col + Half, rest);
        var c40 = tile.Load(row + 4, col, cols);
        var c41 = tile.Load(row + 4, col + Half, rest);
        var c50 = tile.Load(row + 5, col, cols);
        var c51 = tile.Load(row + 5, col + Half, rest);
        // Each row as int32s: one element is the pair (a[2p], a[2p+1]) that vpmaddwd multiplies into a weight pair. Rows
        // are addressed as two bases plus the stride once or twice (x86's scaled index): six row pointers and the loop's
        // own would not fit the free general registers, and the JIT reloaded two from the stack on every iteration.
        var s = (nint)stride * sizeof(short);
        var top = (byte*)a;
        var bottom = top + 3 * s;
        for (var end = w + (nint)pairs * 2 * HostInt8LinearWeights.PanelWidth; w < end; w += 2 * HostInt8LinearWeights.PanelWidth,
            top += sizeof(int), bottom += sizeof(int))
        {
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + 16);
            var x = Vector256.Create(*(int*)top).AsInt16();
            c00 += Avx2.MultiplyAddAdjacent(x, w0);
            c01 += Avx2.MultiplyAddAdjacent(x, w1);
            x = Vector256.Create(*(int*)(top + s)).AsInt16();
            c10 += Avx2.MultiplyAddAdjacent(x, w0);
            c11 += Avx2.MultiplyAddAdjacent(x, w1);
            x = Vector256.Create(*(int*)(top + s * 2)).AsInt16();
            c20 += Avx2.MultiplyAddAdjacent(x, w0);
            c21 += Avx2.MultiplyAddAdjacent(x, w1);
            x = Vector256.Create(*(int*)bottom).AsInt16();
            c30 += Avx2.MultiplyAddAdjacent(x, w0);
            c31 += Avx2.MultiplyAddAdjacent(x, w1);
            x = Vector256.Create(*(int*)(bottom + s)).AsInt16();
            c40 += Avx2.MultiplyAddAdjacent(x, w0);
            c41 += Avx2.MultiplyAddAdjacent(x, w1);
            x = Vector256.Create(*(int*)(bottom + s * 2)).AsInt16();
            c50 += Avx2.MultiplyAddAdjacent(x, w0);
            c51 += Avx2.MultiplyAddAdjacent(x, w1);
        }
        tile.Store(c00, row, col, cols);
        tile.Store(c01, row, col + Half, rest);
        tile.Store(c10, row + 1, col, cols);
        tile.Store(c11, row + 1, col + Half, rest);
        tile.Store(c20, row + 2, col, cols);
        tile.Store(c21, row + 2, col + Half, rest);
        tile.Store(c30, row + 3, col, cols);
        tile.Store(c31, row + 3, col + Half, rest);
        tile.Store(c40, row + 4, col, cols);
        tile.Store(c41, row + 4, col + Half, rest);
        tile.Store(c50, row + 5, col, cols);
        tile.Store(c51, row + 5, col + Half, rest);
    }

    private static void Kernel1x16(short* a, int pairs, short* w, in Int32Tile tile, int row, int col, int cols)
    {
        var rest = cols - Half;
        var c0 = tile.Load(row, col, cols);
        var c1 = tile.Load(row, col + Half, rest);
        var a0 = (int*)a;
        for (var p = 0; p < pairs; p++, w += 2 * HostInt8LinearWeights.PanelWidth)
        {
            var x = Vector256.Create(a0[p]).AsInt16();
            c0 += Avx2.MultiplyAddAdjacent(x, Vector256.Load(w));
            c1 += Avx2.MultiplyAddAdjacent(x, Vector256.Load(w + 16));
        }
        tile.Store(c0, row, col, cols);
        tile.Store(c1, row, col + Half, rest);
    }
}
