using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// The AVX2 path, exact: <c>vpmaddubsw</c> multiplies |q| (u8, at most 127) by the signed weight version
/// (<see cref="HostInt8LinearWeights"/>) and adds each pair into int16, at most 2·127·127 = 32,258, so it never
/// saturates; <c>vpmaddwd</c> by the pairs' signs (±1) widens two pairs into int32, and <c>vpaddd</c> accumulates.
/// The naive use, u8 activations q + 128 against s8 weights, saturates: 2·255·127 = 64,770 &gt; 32,767.
/// Why this and not the other exact ways, measured in L1 on Zen 3 (3.2 GHz, fp32 6×16 FMA kernel = 101 GFLOP/s):
/// int16 operands with <c>vpmaddwd</c> need an add per 16 products and reach 158 GOP/s; |a| against
/// <c>vpsignb</c>(w, a) costs a sign op per product vector on the two multiply pipes, 148 GOP/s; this needs 3 ops per
/// 32 products with 2 on the multiply pipes, 180–190 GOP/s (93% of those two pipes). A 4×24 tile: 12 accumulators,
/// |q|, σ and one product (15 of 16 registers), weights read as memory operands, the version picked per row by its
/// record's offset; nothing but loads and stores around the loop (edge tiles go through the caller's scratch).
/// </summary>
internal static unsafe class Int8Avx2Kernel
{
    /// <summary>
    /// One 4×24 tile over one K slice: <paramref name="records"/> are its group's records at the slice start,
    /// <paramref name="w"/> the panel's first quad of the slice, <paramref name="acc"/> the tile's int32 sums (rows
    /// <paramref name="stride"/> ints apart), zero on the <paramref name="first"/> slice and read back after that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int* records, int quads, sbyte* w, int* acc, nint stride, bool first)
    {
        Vector256<int> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        int* a0 = acc, a1 = acc + stride, a2 = acc + 2 * stride, a3 = acc + 3 * stride;
        if (first)
        {
            c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = Vector256<int>.Zero;
        }
        else
        {
            (c00, c01, c02) = (Vector256.Load(a0), Vector256.Load(a0 + 8), Vector256.Load(a0 + 16));
            (c10, c11, c12) = (Vector256.Load(a1), Vector256.Load(a1 + 8), Vector256.Load(a1 + 16));
            (c20, c21, c22) = (Vector256.Load(a2), Vector256.Load(a2 + 8), Vector256.Load(a2 + 16));
            (c30, c31, c32) = (Vector256.Load(a3), Vector256.Load(a3 + 8), Vector256.Load(a3 + 16));
        }
        // One pointer walks the quads; each row's fields sit at fixed displacements from it (Int8ActivationPacking).
        const int field = Int8ActivationPacking.FieldStride * sizeof(int), next = Int8ActivationPacking.RowStride * sizeof(int);
        var r = (byte*)records;
        for (var end = w + (nint)quads * HostInt8LinearWeights.QuadBytes; w < end; w += HostInt8LinearWeights.QuadBytes, r += sizeof(int))
        {
            var u = Vector256.Create(*(int*)r).AsByte();
            var s = Vector256.Create(*(int*)(r + field)).AsInt16();
            var v = w + *(int*)(r + 2 * field);
            c00 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v)), s);
            c01 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 32)), s);
            c02 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 64)), s);
            u = Vector256.Create(*(int*)(r + next)).AsByte();
            s = Vector256.Create(*(int*)(r + next + field)).AsInt16();
            v = w + *(int*)(r + next + 2 * field);
            c10 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v)), s);
            c11 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 32)), s);
            c12 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 64)), s);
            u = Vector256.Create(*(int*)(r + 2 * next)).AsByte();
            s = Vector256.Create(*(int*)(r + 2 * next + field)).AsInt16();
            v = w + *(int*)(r + 2 * next + 2 * field);
            c20 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v)), s);
            c21 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 32)), s);
            c22 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 64)), s);
            u = Vector256.Create(*(int*)(r + 3 * next)).AsByte();
            s = Vector256.Create(*(int*)(r + 3 * next + field)).AsInt16();
            v = w + *(int*)(r + 3 * next + 2 * field);
            c30 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v)), s);
            c31 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 32)), s);
            c32 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256(v + 64)), s);
        }
        c00.Store(a0);
        c01.Store(a0 + 8);
        c02.Store(a0 + 16);
        c10.Store(a1);
        c11.Store(a1 + 8);
        c12.Store(a1 + 16);
        c20.Store(a2);
        c21.Store(a2 + 8);
        c22.Store(a2 + 16);
        c30.Store(a3);
        c31.Store(a3 + 8);
        c32.Store(a3 + 16);
    }
}
