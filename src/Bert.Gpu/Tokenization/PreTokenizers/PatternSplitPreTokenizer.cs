using Bert.Gpu.Tokenization.Normalizers;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>HF's Split pre-tokenizer: the pattern's matches (or, inverted, the text between them) are the delimiters.</summary>
internal sealed class PatternSplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    [ThreadStatic] private static List<(int, int)>? t_matches;
    [ThreadStatic] private static List<(int, int, bool)>? t_segments;

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var text = source.TextOf(split);
        var matches = t_matches ??= [];
        var segments = t_segments ??= [];
        matches.Clear();
        segments.Clear();
        pattern.Matches(text, matches);
        // HF's find_matches: the text before each match, the match, and what is left after the last one.
        var last = 0;
        foreach (var (start, length) in matches)
        {
            if (last != start) segments.Add((last, start, invert));
            segments.Add((start, start + length, !invert));
            last = start + length;
        }
        if (last != text.Length) segments.Add((last, text.Length, invert));
        Splitter.Apply(source, split, segments, behavior, destination);
        if (segments.Count > ScratchLimit.Elements) (t_matches, t_segments) = (null, null);
    }
}
