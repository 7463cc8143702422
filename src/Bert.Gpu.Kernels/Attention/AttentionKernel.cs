using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// Multi-head self-attention over a packed, padding-free batch: <c>context = softmax(q·kᵀ/√d)·v</c> within each
/// sequence, reading q, k and v from one fused <c>[tokens, 3·heads·headDim]</c> buffer (rows <c>[q | k | v]</c>) and
/// writing <c>[tokens, heads·headDim]</c>. Flash-style: one group per (sequence, head, query block), keys and values
/// streamed through shared memory in tiles with an online softmax, so no <c>[heads, length, length]</c> scores exist.
/// </summary>
/// <remarks>Uses <c>MathF.Exp</c>: the context must be built with <c>EnableAlgorithms()</c> for GPU backends.</remarks>
public sealed class AttentionKernel
{
    private readonly Accelerator _accelerator;
    private readonly AttentionTiling? _tiling;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, AttentionShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split for every head size; null = <see cref="AttentionTiling.For"/> per head size.</param>
    public AttentionKernel(Accelerator accelerator, AttentionTiling? tiling = null)
    {
        _accelerator = accelerator;
        _tiling = tiling;
        if (tiling is { } t && (t.Queries <= 0 || t.Keys <= 0))
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {t} must be positive in every dimension.");
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, AttentionShape>(Kernel);
    }

    /// <summary>The work split used for <paramref name="headDim"/>.</summary>
    public AttentionTiling TilingFor(int headDim) => _tiling ?? AttentionTiling.For(_accelerator, headDim);

    /// <summary>Queues the attention of every sequence and head on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="qkv">Fused projections <c>[tokens, 3·heads·headDim]</c>.</param>
    /// <param name="seqStarts">First row of each sequence, then the token count: <c>[sequences + 1]</c>.</param>
    /// <param name="sequences">Number of sequences.</param>
    /// <param name="tokens">Rows in the batch.</param>
    /// <param name="maxLength">Length of the longest sequence (sizes the grid; longer sequences would be cut short).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="headDim">Width of one head.</param>
    /// <param name="context">Output <c>[tokens, heads·headDim]</c>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> qkv, ArrayView<int> seqStarts, int sequences, int tokens,
        int maxLength, int heads, int headDim, ArrayView<float> context)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(headDim, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var hidden = heads * headDim;
        Shapes.Require(qkv, (long)tokens * 3 * hidden, nameof(qkv), $"[{tokens}, {3 * hidden}]");
        Shapes.Require(seqStarts, sequences + 1, nameof(seqStarts), $"[{sequences + 1}]");
        Shapes.Require(context, (long)tokens * hidden, nameof(context), $"[{tokens}, {hidden}]");
        if (sequences == 0 || maxLength == 0)
            return;

        var t = TilingFor(headDim);
        if (t.SharedFloats(headDim) > AttentionTiling.MaxSharedFloats)
            throw new ArgumentOutOfRangeException(nameof(headDim), $"Head dim {headDim} needs more shared memory than the attention kernel allocates even with 8×8 tiles.");
        KernelLimits.Check(_accelerator, nameof(AttentionKernel), t.Queries, AttentionTiling.MaxSharedFloats);
        var config = new KernelConfig(
            // Sequences along x, whose limit is 2³¹−1 (CUDA caps y and z at 65535); heads along y, query blocks along z.
            new Index3D(sequences, heads, KernelLimits.Groups(maxLength, t.Queries)),
            new Index3D(t.Queries, 1, 1));
        _kernel(stream, config, qkv, seqStarts, context, new AttentionShape(heads, headDim, t.Keys, 1f / MathF.Sqrt(headDim)));
    }

    /// <summary>The scalar arguments.</summary>
    internal readonly record struct AttentionShape(int Heads, int HeadDim, int TileKeys, float Scale);

    private static void Kernel(ArrayView<float> qkv, ArrayView<int> seqStarts, ArrayView<float> context, AttentionShape s)
    {
        var start = seqStarts[Grid.IdxX];
        var length = seqStarts[Grid.IdxX + 1] - start;
        var queries = Group.DimX;
        var q0 = Grid.IdxZ * queries;
        // Uniform across the group (before any barrier): blocks past a short sequence's end have nothing to do.
        if (q0 >= length)
            return;

        int t = Group.IdxX, d = s.HeadDim, tileKeys = s.TileKeys;
        var hidden = s.Heads * d;
        var stride = 3 * hidden;
        var column = Grid.IdxY * d;
        var rowStride = d + 1;
        var probStride = tileKeys + 1;
        var shared = SharedMemory.Allocate<float>(AttentionTiling.MaxSharedFloats);
        var qs = shared.SubView(0, queries * rowStride);
        var os = shared.SubView(queries * rowStride, queries * rowStride);
        var ks = shared.SubView(2 * queries * rowStride, tileKeys * d);
        var vs = shared.SubView(2 * queries * rowStride + tileKeys * d, tileKeys * d);
        var ps = shared.SubView(2 * queries * rowStride + 2 * tileKeys * d, queries * probStride);

        // Stage the block's queries, pre-scaled by 1/√d, and clear the accumulators; consecutive threads read
        // consecutive columns of a row.
        for (var e = t; e < queries * d; e += queries)
        {
            var r = e / d;
            var c = e - r * d;
            var q = q0 + r;
            qs[r * rowStride + c] = q < length ? qkv[(start + q) * stride + column + c] * s.Scale : 0f;
            os[r * rowStride + c] = 0f;
        }

        var active = q0 + t < length;
        var mine = t * rowStride;
        var myProbs = t * probStride;
        var runningMax = float.NegativeInfinity;
        var runningSum = 0f;
        for (var k0 = 0; k0 < length; k0 += tileKeys)
        {
            var count = length - k0 < tileKeys ? length - k0 : tileKeys;
            // Every thread is done with the previous tile (and the queries are staged) before it is overwritten.
            Group.Barrier();
            for (var e = t; e < count * d; e += queries)
            {
                var j = e / d;
                var c = e - j * d;
                var source = (start + k0 + j) * stride + column + c;
                ks[j * d + c] = qkv[source + hidden];
                vs[j * d + c] = qkv[source + 2 * hidden];
            }
            Group.Barrier();
            if (!active)
                continue;

            var tileMax = float.NegativeInfinity;
            for (var j = 0; j < count; j++)
            {
                var score = 0f;
                for (var c = 0; c < d; c++)
                    score += qs[mine + c] * ks[j * d + c];
                ps[myProbs + j] = score;
                tileMax = score > tileMax ? score : tileMax;
            }
            var newMax = tileMax > runningMax ? tileMax : runningMax;
            // exp(-∞) = 0 on the first tile, which also discards the accumulators' initial zeros harmlessly.
            var correction = MathF.Exp(runningMax - newMax);
            runningSum *= correction;
            for (var j = 0; j < count; j++)
            {
                var p = MathF.Exp(ps[myProbs + j] - newMax);
                ps[myProbs + j] = p;
                runningSum += p;
            }
            for (var c = 0; c < d; c++)
            {
                var acc = os[mine + c] * correction;
                for (var j = 0; j < count; j++)
                    acc += ps[myProbs + j] * vs[j * d + c];
                os[mine + c] = acc;
            }
            runningMax = newMax;
        }

        if (!active)
            return;
        var inverse = 1f / runningSum;
        var output = (start + q0 + t) * hidden + column;
        for (var c = 0; c < d; c++)
            context[output + c] = os[mine + c] * inverse;
    }
}
