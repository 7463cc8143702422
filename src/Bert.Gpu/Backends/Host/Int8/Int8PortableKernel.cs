using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// The portable path, for CPUs without AVX2: <see cref="Vector128"/> int32 arithmetic (SSE2, AdvSimd, or .NET's
/// software fallback) over the same packed layout as <see cref="Int8Avx2Kernel"/>. Each int32 lane of a weight load
/// holds one column's pair (w[2p] low, w[2p+1] high); arithmetic shifts split it, and the products and sums are int32,
/// so the result is exact and bit-identical to the AVX2 path. One row × 16 columns per call: simple, not fast.
/// </summary>
internal static unsafe class Int8PortableKernel
{
    private const int Quarter = 4;

    /// <summary>Same contract as <see cref="Int8Avx2Kernel.Block"/>.</summary>
    public static void Block(short* a, int stride, int rowCount, int pairs, short* w, in Int32Tile tile, int row, int col, int cols)
    {
        for (var r = 0; r < rowCount; r++)
            Kernel1x16(a + (long)r * stride, pairs, w, tile, row + r, col, cols);
    }

    private static void Kernel1x16(short* a, int pairs, short* w, in Int32Tile tile, int row, int col, int cols)
    {
        var c0 = tile.Load128(row, col, cols);
        var c1 = tile.Load128(row, col + Quarter, cols - Quarter);
        var c2 = tile.Load128(row, col + 2 * Quarter, cols - 2 * Quarter);
        var c3 = tile.Load128(row, col + 3 * Quarter, cols - 3 * Quarter);
        var lanes = (int*)w;
        for (var p = 0; p < pairs; p++, lanes += HostInt8LinearWeights.PanelWidth)
        {
            var lo = Vector128.Create((int)a[2 * p]);
            var hi = Vector128.Create((int)a[2 * p + 1]);
            c0 += Dot(Vector128.Load(lanes), lo, hi);
            c1 += Dot(Vector128.Load(lanes + Quarter), lo, hi);
            c2 += Dot(Vector128.Load(lanes + 2 * Quarter), lo, hi);
            c3 += Dot(Vector128.Load(lanes + 3 * Quarter), lo, hi);
        }
        tile.Store128(c0, row, col, cols);
        tile.Store128(c1, row, col + Quarter, cols - Quarter);
        tile.Store128(c2, row, col + 2 * Quarter, cols - 2 * Quarter);
        tile.Store128(c3, row, col + 3 * Quarter, cols - 3 * Quarter);
    }

    /// <summary><c>w[2p]·lo + w[2p+1]·hi</c> per lane; little-endian, so the even k is the low half.</summary>
    private static Vector128<int> Dot(Vector128<int> pairs, Vector128<int> lo, Vector128<int> hi) =>
        Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(pairs, 16), 16) * lo + Vector128.ShiftRightArithmetic(pairs, 16) * hi;
}
