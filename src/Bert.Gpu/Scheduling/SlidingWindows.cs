using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Scheduling;

/// <summary>
/// Texts cut into overlapping windows of at most <c>maxLength</c> tokens (see <see cref="LongTextMode.Window"/>),
/// and the way their pooled rows are put back together: one row per text.
/// </summary>
internal sealed class SlidingWindows
{
    private readonly int[] _firstWindow;
    private readonly int[] _weights;
    private readonly PoolingMode _pooling;

    private SlidingWindows(TokenizedText[] sequences, int[] firstWindow, int[] weights, PoolingMode pooling)
    {
        Sequences = sequences;
        _firstWindow = firstWindow;
        _weights = weights;
        _pooling = pooling;
    }

    /// <summary>Every window of every text, texts in order, windows in order.</summary>
    public TokenizedText[] Sequences { get; }

    public static SlidingWindows Split(ITokenizer tokenizer, IReadOnlyList<string> texts, int maxLength, int stride, PoolingMode pooling)
    {
        var perText = new TokenizedText[texts.Count][];
        Parallel.For(0, texts.Count, i => perText[i] = Windows(tokenizer, texts[i], maxLength, stride));
        var firstWindow = new int[texts.Count + 1];
        for (var i = 0; i < texts.Count; i++)
            firstWindow[i + 1] = firstWindow[i] + perText[i].Length;
        var sequences = perText.SelectMany(w => w).ToArray();
        return new SlidingWindows(sequences, firstWindow, sequences.Select(s => s.Ids.Length - 2).ToArray(), pooling);
    }

    private static TokenizedText[] Windows(ITokenizer tokenizer, string text, int maxLength, int stride)
    {
        // Each window is re-framed with the text's first and last token, so the tokenizer must add exactly those two.
        if (tokenizer.SpecialTokenCount(pair: false) != 2)
            throw new ArgumentException($"--long-text window needs a tokenizer that frames a text with one token on each side ([CLS] … [SEP], <s> … </s>); this one adds {tokenizer.SpecialTokenCount(pair: false)}.");
        var whole = tokenizer.Encode(text, int.MaxValue);
        var width = maxLength - 2;
        var content = whole.Ids.AsSpan(1, whole.Ids.Length - 2);
        if (content.Length <= width)
            return [whole];
        var windows = new List<TokenizedText>();
        for (var start = 0; ; start += stride)
        {
            var piece = content.Slice(start, Math.Min(width, content.Length - start));
            int[] ids = [whole.Ids[0], .. piece, whole.Ids[^1]];
            windows.Add(new TokenizedText(ids, new int[ids.Length]));
            if (start + width >= content.Length)
                return [.. windows];
        }
    }

    /// <summary>
    /// One row per text from the windows' rows: the element-wise maximum for max pooling, else the mean weighted by
    /// each window's token count; then L2-normalized if asked. Into <paramref name="rows"/>, <c>[texts, width]</c>.
    /// </summary>
    public void Combine(float[] windowRows, int width, bool normalize, Span<float> rows)
    {
        var texts = _firstWindow.Length - 1;
        rows = rows[..(texts * width)];
        rows.Clear();
        for (var t = 0; t < texts; t++)
        {
            var row = rows.Slice(t * width, width);
            var total = 0.0;
            for (var w = _firstWindow[t]; w < _firstWindow[t + 1]; w++)
            {
                var window = windowRows.AsSpan(w * width, width);
                if (_pooling == PoolingMode.Max)
                {
                    for (var i = 0; i < width; i++)
                        row[i] = w == _firstWindow[t] ? window[i] : MathF.Max(row[i], window[i]);
                    continue;
                }
                total += _weights[w];
                for (var i = 0; i < width; i++)
                    row[i] += window[i] * _weights[w];
            }
            if (_pooling != PoolingMode.Max && total > 0)
                for (var i = 0; i < width; i++)
                    row[i] = (float)(row[i] / total);
            if (normalize)
                Normalize(row);
        }
    }

    private static void Normalize(Span<float> row)
    {
        var sum = 0.0;
        foreach (var v in row)
            sum += (double)v * v;
        if (sum == 0)
            return;
        var inv = (float)(1 / Math.Sqrt(sum));
        for (var i = 0; i < row.Length; i++)
            row[i] *= inv;
    }
}
