using System.Buffers;

namespace Bert.Gpu.Tokenization;

/// <summary>Finds special tokens written verbatim in the raw text, as HF's added-token matching does before normalization.</summary>
/// <remarks>HF matches leftmost-longest, case-sensitively, on the text as given ("[SEP]" is the token, "[sep]" is not).</remarks>
internal sealed class SpecialTokenSplitter
{
    private readonly (string Text, int Id)[] _tokens;
    private readonly SearchValues<char> _firstChars;

    public SpecialTokenSplitter(IEnumerable<(string Text, int Id)> tokens)
    {
        // Longest first, so the first hit at a position is the longest one there.
        _tokens = tokens.Where(t => t.Text.Length > 0).OrderByDescending(t => t.Text.Length).ToArray();
        _firstChars = SearchValues.Create(_tokens.Select(t => t.Text[0]).Distinct().ToArray());
    }

    /// <summary>Calls <paramref name="onText"/> for each stretch of ordinary text and <paramref name="onToken"/> for each special token, in order.</summary>
    public void Split<TState>(ReadOnlySpan<char> text, ref TState state, BertPreTokenizer.WordHandler<TState> onText, TokenHandler<TState> onToken)
    {
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var next = text[i..].IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            var match = Match(text[i..]);
            if (match < 0)
            {
                i++;
                continue;
            }
            if (i > start) onText(text[start..i], start, ref state);
            onToken(_tokens[match].Id, i, _tokens[match].Text.Length, ref state);
            i += _tokens[match].Text.Length;
            start = i;
        }
        if (text.Length > start) onText(text[start..], start, ref state);
    }

    private int Match(ReadOnlySpan<char> text)
    {
        for (var t = 0; t < _tokens.Length; t++)
        {
            if (text.StartsWith(_tokens[t].Text, StringComparison.Ordinal)) return t;
        }
        return -1;
    }

    /// <summary>Receives the id of one special token found in the text, and where it is.</summary>
    public delegate void TokenHandler<TState>(int id, int start, int length, ref TState state);
}
