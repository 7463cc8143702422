using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using static Bert.Gpu.Kernels.Attention.FlashAttentionTiling;

namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// <see cref="FlashAttentionKernel"/> without inline PTX (the CPU accelerator, OpenCL): the CUDA path's tiles, warps
/// and per-lane fragments, with the fragments read from the shared tiles by the <see cref="Mma16816"/> layout (what
/// <c>ldmatrix</c> hands each lane), every <c>mma</c> run by <see cref="Mma16816.Emulate"/> and the quad reductions
/// done through shared memory (OpenCL has no warp shuffles off Intel). Halves stay 16-bit patterns, converted by
/// <see cref="HalfBits"/> (PoCL has no <c>cl_khr_fp16</c>). One stage: nothing here overlaps copies with math.
/// </summary>
internal static class FlashAttentionManaged
{
    /// <summary>The group's work; called by every thread, uniformly.</summary>
    public static void Run(ArrayView<ushort> qkv, ArrayView<ushort> context, FlashAttentionLayout layout, int d, float scale, int tid)
    {
        int lane = tid & 31, warp = tid >> 5, row = RowHalves(d);
        var tiles = SharedMemory.Allocate<ushort>(2 * Keys * (64 + 8)); // K then V, sized for head dim 64
        var scratch = SharedMemory.Allocate<float>(Warps * Mma16816.ScratchFloats).SubView(warp * Mma16816.ScratchFloats, Mma16816.ScratchFloats);
        var quad = SharedMemory.Allocate<float>(Threads);
        var values = Keys * row;
        // The lane's registers: Q fragments (4 per k16 step), P fragments (4 per k16 step of keys), scores and outputs
        // (4 per n8 tile), indexed as the PTX names them.
        var q = LocalMemory.Allocate<uint>(16);
        var p = LocalMemory.Allocate<uint>(16);
        var scores = LocalMemory.Allocate<float>(32);
        var o = LocalMemory.Allocate<float>(32);
        var rows = layout.Q0 + 16 * warp;
        for (var j = 0; j < d / 16; j++)
            for (var r = 0; r < 4; r++)
            {
                // Register r holds elements 2r and 2r + 1: one row, adjacent columns.
                var index = layout.QueryIndex(rows + Mma16816.ARow(lane, 2 * r), 16 * j + Mma16816.ACol(lane, 2 * r));
                q[4 * j + r] = qkv[index] | ((uint)qkv[index + 1] << 16);
            }
        for (var i = 0; i < 32; i++)
            o[i] = 0f;
        float max0 = float.NegativeInfinity, max1 = float.NegativeInfinity, sum0 = 0f, sum1 = 0f;

        for (var k0 = 0; k0 < layout.Length; k0 += Keys)
        {
            Group.Barrier(); // every warp is done with the previous block's tiles
            for (var e = tid; e < Keys * d; e += Threads)
            {
                var key = e / d;
                var c = e - key * d;
                var index = layout.KeyIndex(k0 + key, c);
                tiles[key * row + c] = qkv[index];
                tiles[values + key * row + c] = qkv[index + layout.Hidden];
            }
            Group.Barrier();

            // S = Q·Kᵀ: B(k = d, n = key) = K[key][d], so a B register holds two adjacent dims of one key.
            for (var n = 0; n < Keys / 8; n++)
            {
                var acc = default(MmaAccumulator);
                var key = (8 * n + Mma16816.BCol(lane)) * row;
                for (var j = 0; j < d / 16; j++)
                    acc = Mma16816.Emulate(scratch, lane, q[4 * j], q[4 * j + 1], q[4 * j + 2], q[4 * j + 3],
                        Pair(tiles, key + 16 * j + Mma16816.BRow(lane, 0), 1), Pair(tiles, key + 16 * j + Mma16816.BRow(lane, 2), 1), acc);
                var first = k0 + 8 * n;
                scores[4 * n] = Masked(acc.C0, first + Mma16816.CCol(lane, 0), layout.Length);
                scores[4 * n + 1] = Masked(acc.C1, first + Mma16816.CCol(lane, 1), layout.Length);
                scores[4 * n + 2] = Masked(acc.C2, first + Mma16816.CCol(lane, 2), layout.Length);
                scores[4 * n + 3] = Masked(acc.C3, first + Mma16816.CCol(lane, 3), layout.Length);
            }

            // Online softmax of rows g (elements 0, 1 of each tile) and g + 8 (2, 3), as the PTX does it.
            float top0 = float.NegativeInfinity, top1 = float.NegativeInfinity;
            for (var n = 0; n < Keys / 8; n++)
            {
                top0 = Max(top0, Max(scores[4 * n], scores[4 * n + 1]));
                top1 = Max(top1, Max(scores[4 * n + 2], scores[4 * n + 3]));
            }
            top0 = Max(QuadReduce(quad, tid, top0, max: true), max0);
            top1 = Max(QuadReduce(quad, tid, top1, max: true), max1);
            // exp(−∞) = 0 on the first block discards the initial zeros harmlessly.
            var correction0 = MathF.Exp((max0 - top0) * scale);
            var correction1 = MathF.Exp((max1 - top1) * scale);
            max0 = top0;
            max1 = top1;
            sum0 *= correction0;
            sum1 *= correction1;
            for (var i = 0; i < d / 2; i++)
                o[i] *= ((i >> 1) & 1) == 0 ? correction0 : correction1;
            for (var i = 0; i < 32; i++)
            {
                var first = ((i >> 1) & 1) == 0;
                var e = MathF.Exp((scores[i] - (first ? max0 : max1)) * scale);
                scores[i] = e;
                if (first)
                    sum0 += e;
                else
                    sum1 += e;
            }
            // Score tiles 2j and 2j + 1, packed to f16x2, are the A fragment of P·V's k16 step j.
            for (var r = 0; r < 16; r++)
                p[r] = HalfBits.Pack(scores[2 * r], scores[2 * r + 1]);

            // O += P·V: B(k = key, n = d) = V[key][d], so a B register holds one dim of two adjacent keys.
            for (var n = 0; n < d / 8; n++)
            {
                var acc = new MmaAccumulator { C0 = o[4 * n], C1 = o[4 * n + 1], C2 = o[4 * n + 2], C3 = o[4 * n + 3] };
                var column = values + 8 * n + Mma16816.BCol(lane);
                for (var j = 0; j < Keys / 16; j++)
                    acc = Mma16816.Emulate(scratch, lane, p[4 * j], p[4 * j + 1], p[4 * j + 2], p[4 * j + 3],
                        Pair(tiles, column + (16 * j + Mma16816.BRow(lane, 0)) * row, row),
                        Pair(tiles, column + (16 * j + Mma16816.BRow(lane, 2)) * row, row), acc);
                o[4 * n] = acc.C0;
                o[4 * n + 1] = acc.C1;
                o[4 * n + 2] = acc.C2;
                o[4 * n + 3] = acc.C3;
            }
        }

        var inverse0 = 1f / QuadReduce(quad, tid, sum0, max: false);
        var inverse1 = 1f / QuadReduce(quad, tid, sum1, max: false);
        for (var i = 0; i < d / 2; i++)
        {
            var r = rows + Mma16816.CRow(lane, i & 3);
            if (r < layout.Length)
                context[layout.OutputIndex(r, 8 * (i >> 2) + Mma16816.CCol(lane, i & 3))] =
                    (ushort)HalfBits.FromFloat(o[i] * (((i >> 1) & 1) == 0 ? inverse0 : inverse1));
        }
    }

    /// <summary>An <c>f16x2</c> register of the halves at <paramref name="index"/> (element 0) and <paramref name="step"/> further on.</summary>
    private static uint Pair(ArrayView<ushort> tile, int index, int step) => tile[index] | ((uint)tile[index + step] << 16);

    private static float Max(float a, float b) => a > b ? a : b;

    private static float Masked(float score, int key, int length) => key < length ? score : float.NegativeInfinity;

    /// <summary>
    /// The maximum or the sum of <paramref name="value"/> over the lane's quad (the 4 lanes holding one row), in the
    /// order the PTX's butterflies add: (v0 + v1) + (v2 + v3). Two barriers: every thread must call it, uniformly.
    /// </summary>
    private static float QuadReduce(ArrayView<float> quad, int tid, float value, bool max)
    {
        quad[tid] = value;
        Group.Barrier();
        var first = tid & ~3;
        float a = quad[first], b = quad[first + 1], c = quad[first + 2], e = quad[first + 3];
        Group.Barrier(); // the next call overwrites what slower lanes may still be reading
        return max ? Max(Max(a, b), Max(c, e)) : (a + b) + (c + e);
    }
}
