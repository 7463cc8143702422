namespace Bert.Gpu.Cli.Tasks;

/// <summary>The best answer span of a question over its context's windows.</summary>
/// <param name="Score">P(start) × P(end).</param>
/// <param name="First">Index of the answer's first context token.</param>
/// <param name="Last">Index of its last context token.</param>
internal readonly record struct QaSpan(float Score, int First, int Last)
{
    /// <summary>
    /// transformers' QuestionAnsweringPipeline scoring (src/transformers/pipelines/question_answering.py,
    /// <c>postprocess</c> and <c>decode_spans</c>): per window, start and end logits are softmaxed over the context
    /// tokens and the first token (the [CLS] the pipeline leaves unmasked), whose probability is then zeroed; a span
    /// scores P(start)·P(end) with start ≤ end and at most <paramref name="maxAnswerLength"/> tokens; the best over
    /// all windows wins (ties: the earlier window, then the earlier start).
    /// </summary>
    /// <param name="logits">[start, end] per token of every window, windows laid end to end from <paramref name="firstToken"/>.</param>
    public static QaSpan? Best(QaWindows windows, ReadOnlySpan<float> logits, int firstToken, int maxAnswerLength)
    {
        QaSpan? best = null;
        var token = firstToken;
        for (var w = 0; w < windows.Sequences.Count; w++)
        {
            var (from, count) = windows.Context[w];
            var start = Softmax(logits, token, windows.Prefix, count, 0);
            var end = Softmax(logits, token, windows.Prefix, count, 1);
            for (var s = 0; s < count; s++)
                for (var e = s; e < Math.Min(count, s + maxAnswerLength); e++)
                {
                    var score = start[s] * end[e];
                    if (best is null || score > best.Value.Score)
                        best = new QaSpan(score, from + s, from + e);
                }
            token += windows.Sequences[w].Ids.Length;
        }
        return best;
    }

    /// <summary>Softmax of column <paramref name="column"/> over the window's first token and its context tokens; the first token's share dropped.</summary>
    private static float[] Softmax(ReadOnlySpan<float> logits, int token, int prefix, int count, int column)
    {
        var max = logits[token * 2 + column];
        for (var i = 0; i < count; i++)
            max = Math.Max(max, logits[(token + prefix + i) * 2 + column]);
        var sum = Math.Exp(logits[token * 2 + column] - max);
        var p = new float[count];
        for (var i = 0; i < count; i++)
            sum += p[i] = (float)Math.Exp(logits[(token + prefix + i) * 2 + column] - max);
        for (var i = 0; i < count; i++)
            p[i] = (float)(p[i] / sum);
        return p;
    }
}
