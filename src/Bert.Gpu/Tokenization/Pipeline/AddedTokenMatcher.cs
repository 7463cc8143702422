using System.Buffers;
using System.Globalization;
using System.Text;

namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>
/// Finds added tokens in text as HF's AddedVocabulary does: leftmost-longest matches (its Aho-Corasick automaton),
/// then single_word, lstrip and rstrip applied to each match.
/// </summary>
internal sealed class AddedTokenMatcher
{
    // A character trie of the patterns: node n's children are keyed (n, char); _terminal[n] is the token index ending there.
    private readonly Dictionary<long, int> _children = [];
    private readonly List<int> _terminal = [-1];
    private readonly AddedToken[] _tokens;
    private readonly SearchValues<char> _firstChars;

    /// <summary>Builds the matcher of <paramref name="tokens"/>, each looked for as its <paramref name="patterns"/> entry.</summary>
    public AddedTokenMatcher(IReadOnlyList<AddedToken> tokens, IReadOnlyList<string> patterns)
    {
        _tokens = [.. tokens];
        var first = new HashSet<char>();
        for (var t = 0; t < tokens.Count; t++)
        {
            var pattern = patterns[t];
            if (pattern.Length == 0) continue;
            first.Add(pattern[0]);
            var node = 0;
            foreach (var c in pattern)
            {
                var key = (long)node << 16 | c;
                if (!_children.TryGetValue(key, out var child))
                {
                    child = _terminal.Count;
                    _terminal.Add(-1);
                    _children[key] = child;
                }
                node = child;
            }
            // Like HF's map from content to entry, the last entry of a pattern wins.
            _terminal[node] = t;
        }
        _firstChars = SearchValues.Create([.. first]);
    }

    /// <summary>Whether there is nothing to match.</summary>
    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>Appends the segments of <paramref name="text"/>: (token id, start, end) for a match, (-1, start, end) between matches.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int TokenId, int Start, int End)> segments)
    {
        var doneTo = 0;
        var i = 0;
        while (i < text.Length)
        {
            var next = text[i..].IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            var (token, length) = Longest(text[i..]);
            if (token < 0)
            {
                i++;
                continue;
            }
            var added = _tokens[token];
            int start = i, stop = i + length;
            // HF's automaton moves past a match even when single_word then discards it.
            i = stop;
            if (added.SingleWord && (start > 0 && IsWordChar(text[..start], last: true) || stop < text.Length && IsWordChar(text[stop..], last: false)))
                continue;
            if (added.LStrip)
            {
                var s = start;
                while (s > 0 && char.IsWhiteSpace(text[s - 1])) s--;
                start = Math.Max(s, doneTo);
            }
            if (added.RStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop])) stop++;
            }
            if (doneTo < start) segments.Add((-1, doneTo, start));
            segments.Add((added.Id, start, stop));
            doneTo = stop;
        }
        if (doneTo < text.Length) segments.Add((-1, doneTo, text.Length));
    }

    private (int Token, int Length) Longest(ReadOnlySpan<char> text)
    {
        int node = 0, best = -1, bestLength = 0;
        for (var k = 0; k < text.Length; k++)
        {
            if (!_children.TryGetValue((long)node << 16 | text[k], out node)) break;
            if (_terminal[node] >= 0)
            {
                best = _terminal[node];
                bestLength = k + 1;
            }
        }
        return (best, bestLength);
    }

    // Rust regex's Unicode \w (alphabetic, marks, decimal digits, connector punctuation, joiners) at the end or start of a
    // text, from .NET's categories: Alphabetic's few symbols outside L/Nl are the only difference.
    private static bool IsWordChar(ReadOnlySpan<char> text, bool last)
    {
        Rune rune;
        if (last) Rune.DecodeLastFromUtf16(text, out rune, out _);
        else Rune.DecodeFromUtf16(text, out rune, out _);
        if (rune.Value is 0x200C or 0x200D) return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }
}
