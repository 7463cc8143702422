using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// The portable path, for CPUs without AVX2: <see cref="Vector128"/> int32 arithmetic (SSE2, AdvSimd, or .NET's
/// software fallback) on the same packing as <see cref="Int8Avx2Kernel"/>, computing the same sum the same way —
/// <c>σ₀·(|q₀|·w′₀ + |q₁|·w′₁) + σ₁·(|q₂|·w′₂ + |q₃|·w′₃)</c> per quad — in int32 lanes, so it is exact and gives the
/// AVX2 path's bits. Each lane of a weight load holds one column's four bytes; shifts sign-extend them.
/// One row × 24 columns at a time: simple, not fast.
/// </summary>
internal static unsafe class Int8PortableKernel
{
    private const int Quarter = 4;

    /// <summary>Same contract as <see cref="Int8Avx2Kernel.Tile"/>.</summary>
    public static void Tile(int* records, int quads, sbyte* w, int* acc, nint stride, bool first)
    {
        for (var r = 0; r < Int8ActivationPacking.RowsPerGroup; r++)
            Row(records + r * Int8ActivationPacking.RowStride, quads, w, acc + r * stride, first);
    }

    private static void Row(int* record, int quads, sbyte* w, int* acc, bool first)
    {
        var c0 = first ? Vector128<int>.Zero : Vector128.Load(acc);
        var c1 = first ? Vector128<int>.Zero : Vector128.Load(acc + Quarter);
        var c2 = first ? Vector128<int>.Zero : Vector128.Load(acc + 2 * Quarter);
        var c3 = first ? Vector128<int>.Zero : Vector128.Load(acc + 3 * Quarter);
        var c4 = first ? Vector128<int>.Zero : Vector128.Load(acc + 4 * Quarter);
        var c5 = first ? Vector128<int>.Zero : Vector128.Load(acc + 5 * Quarter);
        for (var j = 0; j < quads; j++, w += HostInt8LinearWeights.QuadBytes, record++)
        {
            var u = (uint)record[0];
            var sigma = record[Int8ActivationPacking.FieldStride];
            var q = new Quad((int)(u & 0xFF), (int)(u >> 8 & 0xFF), (int)(u >> 16 & 0xFF), (int)(u >> 24), (short)sigma, (short)(sigma >> 16));
            var lanes = (int*)(w + record[2 * Int8ActivationPacking.FieldStride]);
            c0 += q.Dot(Vector128.Load(lanes));
            c1 += q.Dot(Vector128.Load(lanes + Quarter));
            c2 += q.Dot(Vector128.Load(lanes + 2 * Quarter));
            c3 += q.Dot(Vector128.Load(lanes + 3 * Quarter));
            c4 += q.Dot(Vector128.Load(lanes + 4 * Quarter));
            c5 += q.Dot(Vector128.Load(lanes + 5 * Quarter));
        }
        c0.Store(acc);
        c1.Store(acc + Quarter);
        c2.Store(acc + 2 * Quarter);
        c3.Store(acc + 3 * Quarter);
        c4.Store(acc + 4 * Quarter);
        c5.Store(acc + 5 * Quarter);
    }

    /// <summary>One record: |q| of the quad's four k, and the signs of its two pairs.</summary>
    private readonly struct Quad(int u0, int u1, int u2, int u3, int sigma0, int sigma1)
    {
        /// <summary>Per column (lane): σ₀·(u₀·w′₀ + u₁·w′₁) + σ₁·(u₂·w′₂ + u₃·w′₃); little-endian, so byte b is k = b.</summary>
        public Vector128<int> Dot(Vector128<int> weights) =>
            Vector128.Create(sigma0) * (Vector128.Create(u0) * Byte(weights, 0) + Vector128.Create(u1) * Byte(weights, 1))
            + Vector128.Create(sigma1) * (Vector128.Create(u2) * Byte(weights, 2) + Vector128.Create(u3) * Byte(weights, 3));

        private static Vector128<int> Byte(Vector128<int> lanes, int b) =>
            Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(lanes, 24 - 8 * b), 24);
    }
}
