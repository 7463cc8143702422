using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// Self-attention within each sequence of a packed batch, one task per (sequence, head), in tiles of
/// <see cref="QueryTile"/> queries. Keys are transposed into a <c>[headDim, length]</c> scratch (padded with zero keys
/// to whole <see cref="KeyBlock"/>s), so a tile's scores are register-blocked broadcast-FMAs: 4 queries × 16 keys in 8
/// accumulators, each key vector loaded once for four queries. The probabilities then weight the value rows in
/// 4 queries × 16 columns. One query at a time (each pass loading and storing its score row) took 7.8 s of 21.2 (37%)
/// of MiniLM's host time on 2,000 fortunes (2 Zen 3 cores; bench <c>profile</c>). Every sum runs in the same order
/// (scores over the head's channels, outputs over the keys), one FMA per term, so the result does not depend on the tiling.
/// </summary>
internal static unsafe class HostAttention
{
    /// <summary>Queries per tile: 4 × 2 accumulator vectors plus 2 loads and a broadcast fit AVX2's 16 registers.</summary>
    private const int QueryTile = 4;

    /// <summary>Keys per score block: two vectors.</summary>
    private const int KeyBlock = 16;

    public static void Run(float[] qkv, int[] seqStarts, int sequences, int maxLength, int heads, int headDim, float[] context, int threads)
    {
        // The tiles use raw pointers: every bound they rely on is checked here, once.
        if (seqStarts.Length < sequences + 1)
            throw new ArgumentException($"{sequences} sequences need {sequences + 1} starts, got {seqStarts.Length}.", nameof(seqStarts));
        for (var s = 0; s < sequences; s++)
            if (seqStarts[s] < 0 || seqStarts[s + 1] < seqStarts[s] || seqStarts[s + 1] - seqStarts[s] > maxLength)
                throw new ArgumentException($"Sequence {s} spans [{seqStarts[s]}, {seqStarts[s + 1]}), not 0 to {maxLength} tokens in order.", nameof(seqStarts));
        var tokens = (long)seqStarts[sequences];
        if (tokens * 3 * heads * headDim > qkv.Length || tokens * heads * headDim > context.Length)
            throw new ArgumentException($"QKV ({qkv.Length}) or the context ({context.Length}) is too short for {tokens} tokens × {heads}×{headDim}.", nameof(qkv));
        var padded = Pad(maxLength);
        Parallel.For(0, sequences * heads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => new Scratch(new float[headDim * padded], new float[QueryTile * padded], new float[QueryTile * headDim], new float[headDim]),
            (task, _, scratch) =>
            {
                var seq = task / heads;
                var start = seqStarts[seq];
                Head(qkv, start, seqStarts[seq + 1] - start, heads, task % heads, headDim, context, scratch);
                return scratch;
            },
            _ => { });
    }

    /// <summary>Per-thread buffers: the transposed keys, a tile's score rows, its scaled queries, a row for padding queries' output.</summary>
    private sealed record Scratch(float[] KeysT, float[] Scores, float[] Queries, float[] Discard);

    private static int Pad(int length) => (length + KeyBlock - 1) / KeyBlock * KeyBlock;

    private static void Head(float[] qkv, int start, int length, int heads, int head, int headDim, float[] context, Scratch scratch)
    {
        var hidden = heads * headDim;
        var stride = 3 * hidden;
        var scale = 1f / MathF.Sqrt(headDim);
        var padded = Pad(length);
        fixed (float* x = qkv, output = context, keysT = scratch.KeysT, scores = scratch.Scores, queries = scratch.Queries, discard = scratch.Discard)
        {
            var keys = x + (long)start * stride + hidden + head * headDim;
            for (var c = 0; c < headDim; c++)
            {
                var row = keysT + c * padded;
                for (var j = 0; j < length; j++)
                    row[j] = keys[(long)j * stride + c];
                new Span<float>(row + length, padded - length).Clear();
            }
            var values = x + (long)start * stride + 2 * hidden + head * headDim;
            var rows = stackalloc float*[QueryTile];
            for (var i0 = 0; i0 < length; i0 += QueryTile)
            {
                // A short last tile repeats the last query; its extra rows go to a discarded row.
                for (var r = 0; r < QueryTile; r++)
                {
                    var i = Math.Min(i0 + r, length - 1);
                    var query = x + (long)(start + i) * stride + head * headDim;
                    for (var c = 0; c < headDim; c++)
                        queries[r * headDim + c] = query[c] * scale;
                    rows[r] = i0 + r < length ? output + (long)(start + i) * hidden + head * headDim : discard;
                }
                for (var j = 0; j < padded; j += KeyBlock)
                    ScoreBlock(queries, headDim, keysT + j, padded, scores + j);
                for (var r = 0; r < QueryTile; r++)
                    Softmax(scores + r * padded, length, padded);
                var d = 0;
                for (; d + 16 <= headDim; d += 16)
                    WeightValues(scores, padded, length, values + d, stride, rows, d);
                for (; d < headDim; d++)
                    for (var r = 0; r < QueryTile; r++)
                    {
                        var sum = 0f;
                        for (var j = 0; j < length; j++)
                            sum = MathF.FusedMultiplyAdd(values[(long)j * stride + d], scores[r * padded + j], sum);
                        rows[r][d] = sum;
                    }
            }
        }
    }

    /// <summary>Scores of 4 queries against 16 keys: <c>s[r, j] = Σ_c q[r, c]·kᵀ[c, j]</c>, c in order.</summary>
    private static void ScoreBlock(float* queries, int headDim, float* keysT, int padded, float* scores)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (var c = 0; c < headDim; c++)
        {
            var k0 = Vector256.Load(keysT + c * padded);
            var k1 = Vector256.Load(keysT + c * padded + 8);
            var q = Vector256.Create(queries[c]);
            a00 = Vector256.FusedMultiplyAdd(k0, q, a00);
            a01 = Vector256.FusedMultiplyAdd(k1, q, a01);
            q = Vector256.Create(queries[headDim + c]);
            a10 = Vector256.FusedMultiplyAdd(k0, q, a10);
            a11 = Vector256.FusedMultiplyAdd(k1, q, a11);
            q = Vector256.Create(queries[2 * headDim + c]);
            a20 = Vector256.FusedMultiplyAdd(k0, q, a20);
            a21 = Vector256.FusedMultiplyAdd(k1, q, a21);
            q = Vector256.Create(queries[3 * headDim + c]);
            a30 = Vector256.FusedMultiplyAdd(k0, q, a30);
            a31 = Vector256.FusedMultiplyAdd(k1, q, a31);
        }
        a00.Store(scores);
        a01.Store(scores + 8);
        a10.Store(scores + padded);
        a11.Store(scores + padded + 8);
        a20.Store(scores + 2 * padded);
        a21.Store(scores + 2 * padded + 8);
        a30.Store(scores + 3 * padded);
        a31.Store(scores + 3 * padded + 8);
    }

    /// <summary>Columns d…d+15 of 4 queries' outputs: <c>o[r, :] = Σ_j p[r, j]·v[j, :]</c>, j in order.</summary>
    private static void WeightValues(float* p, int padded, int length, float* values, int stride, float** rows, int d)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (var j = 0; j < length; j++)
        {
            var v = values + (long)j * stride;
            var v0 = Vector256.Load(v);
            var v1 = Vector256.Load(v + 8);
            var w = Vector256.Create(p[j]);
            a00 = Vector256.FusedMultiplyAdd(v0, w, a00);
            a01 = Vector256.FusedMultiplyAdd(v1, w, a01);
            w = Vector256.Create(p[padded + j]);
            a10 = Vector256.FusedMultiplyAdd(v0, w, a10);
            a11 = Vector256.FusedMultiplyAdd(v1, w, a11);
            w = Vector256.Create(p[2 * padded + j]);
            a20 = Vector256.FusedMultiplyAdd(v0, w, a20);
            a21 = Vector256.FusedMultiplyAdd(v1, w, a21);
            w = Vector256.Create(p[3 * padded + j]);
            a30 = Vector256.FusedMultiplyAdd(v0, w, a30);
            a31 = Vector256.FusedMultiplyAdd(v1, w, a31);
        }
        a00.Store(rows[0] + d);
        a01.Store(rows[0] + d + 8);
        a10.Store(rows[1] + d);
        a11.Store(rows[1] + d + 8);
        a20.Store(rows[2] + d);
        a21.Store(rows[2] + d + 8);
        a30.Store(rows[3] + d);
        a31.Store(rows[3] + d + 8);
    }

    /// <summary>
    /// Softmax of one score row over its <paramref name="length"/> keys, in place, whole vectors only: the padding
    /// keys are set to −∞ first, so they add e⁻∞ = 0 to the sum. Scalar max and normalization passes took half of
    /// the attention's time.
    /// </summary>
    private static void Softmax(float* scores, int length, int padded)
    {
        new Span<float>(scores + length, padded - length).Fill(float.NegativeInfinity);
        var vmax = Vector256.Create(float.NegativeInfinity);
        for (var i = 0; i < padded; i += 8)
            vmax = Vector256.Max(vmax, Vector256.Load(scores + i));
        var max = float.NegativeInfinity;
        for (var lane = 0; lane < 8; lane++)
            max = MathF.Max(max, vmax[lane]);
        vmax = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        for (var i = 0; i < padded; i += 8)
        {
            var e = Vector256.Exp(Vector256.Load(scores + i) - vmax);
            e.Store(scores + i);
            vsum += e;
        }
        var inverse = Vector256.Create(1f / Vector256.Sum(vsum));
        for (var i = 0; i < padded; i += 8)
            (Vector256.Load(scores + i) * inverse).Store(scores + i);
    }
}
