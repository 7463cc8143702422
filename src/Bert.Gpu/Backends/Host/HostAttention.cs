using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// Self-attention within each sequence of a packed batch, one task per (sequence, head). Keys are transposed
/// into a <c>[headDim, length]</c> scratch so that a query's scores are broadcast-FMAs along the keys rather than
/// horizontal dot products; the probabilities then weight the value rows, also eight lanes at a time.
/// </summary>
internal static class HostAttention
{
    public static void Run(float[] qkv, int[] seqStarts, int sequences, int maxLength, int heads, int headDim, float[] context, int threads)
    {
        var hidden = heads * headDim;
        var stride = 3 * hidden;
        var scale = 1f / MathF.Sqrt(headDim);
        Parallel.For(0, sequences * heads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => (KeysT: new float[headDim * maxLength], Scores: new float[maxLength]),
            (task, _, scratch) =>
            {
                var seq = task / heads;
                var head = task % heads;
                var start = seqStarts[seq];
                var length = seqStarts[seq + 1] - start;
                var keysT = scratch.KeysT.AsSpan(0, headDim * length);
                var scores = scratch.Scores.AsSpan(0, length);
                for (var j = 0; j < length; j++)
                {
                    var key = qkv.AsSpan((start + j) * stride + hidden + head * headDim, headDim);
                    for (var c = 0; c < headDim; c++)
                        keysT[c * length + j] = key[c];
                }
                for (var i = 0; i < length; i++)
                {
                    var query = qkv.AsSpan((start + i) * stride + head * headDim, headDim);
                    Scores(query, keysT, length, scale, scores);
                    Softmax(scores);
                    var output = context.AsSpan((start + i) * hidden + head * headDim, headDim);
                    output.Clear();
                    for (var j = 0; j < length; j++)
                        AddScaled(output, qkv.AsSpan((start + j) * stride + 2 * hidden + head * headDim, headDim), scores[j]);
                }
                return scratch;
            },
            _ => { });
    }

    private static void Scores(ReadOnlySpan<float> query, ReadOnlySpan<float> keysT, int length, float scale, Span<float> scores)
    {
        scores.Clear();
        for (var c = 0; c < query.Length; c++)
            AddScaled(scores, keysT.Slice(c * length, length), query[c] * scale);
    }

    /// <summary><c>target += source · factor</c>.</summary>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float factor)
    {
        var i = 0;
        var f = Vector256.Create(factor);
        for (; i + 8 <= target.Length; i += 8)
            Vector256.FusedMultiplyAdd(Vector256.Create(source.Slice(i, 8)), f, Vector256.Create(target.Slice(i, 8))).CopyTo(target.Slice(i, 8));
        for (; i < target.Length; i++)
            target[i] += source[i] * factor;
    }

    private static void Softmax(Span<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
            max = MathF.Max(max, s);
        var sum = 0f;
        var i = 0;
        var vmax = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        for (; i + 8 <= scores.Length; i += 8)
        {
            var e = Vector256.Exp(Vector256.Create(scores.Slice(i, 8)) - vmax);
            e.CopyTo(scores.Slice(i, 8));
            vsum += e;
        }
        sum = Vector256.Sum(vsum);
        for (; i < scores.Length; i++)
        {
            scores[i] = MathF.Exp(scores[i] - max);
            sum += scores[i];
        }
        var inv = 1f / sum;
        for (i = 0; i < scores.Length; i++)
            scores[i] *= inv;
    }
}
