using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's <c>NormalizedString::split</c>: from the pattern's segments (matches and the text between them, in order),
/// the splits a <see cref="SplitBehavior"/> makes, exactly as its folds build them.
/// </summary>
internal static class Splitter
{
    /// <summary>Appends to <paramref name="destination"/> the splits of <paramref name="split"/> that <paramref name="segments"/> (offsets within the split) give.</summary>
    public static void Apply(SplitText source, Split split, List<(int Start, int End, bool IsMatch)> segments, SplitBehavior behavior, SplitText destination)
    {
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (!isMatch) destination.AddSlice(source, split.Start + start, end - start);
                }
                return;
            case SplitBehavior.Isolated:
                break;
            case SplitBehavior.Contiguous:
            case SplitBehavior.MergedWithPrevious:
                Fold(segments, behavior);
                break;
            case SplitBehavior.MergedWithNext:
                segments.Reverse();
                Fold(segments, behavior);
                segments.Reverse();
                break;
        }
        foreach (var (start, end, _) in segments) destination.AddSlice(source, split.Start + start, end - start);
    }

    // HF's folds, in place: Contiguous joins a segment to the previous one when both are matches or both are not;
    // MergedWith* join a match to the neighbour already folded when the segment before it was not a match.
    private static void Fold(List<(int Start, int End, bool IsMatch)> segments, SplitBehavior behavior)
    {
        var kept = 0;
        var previous = false;
        for (var i = 0; i < segments.Count; i++)
        {
            var (start, end, isMatch) = segments[i];
            var join = behavior == SplitBehavior.Contiguous ? isMatch == previous : isMatch && !previous;
            if (join && kept > 0)
            {
                var last = segments[kept - 1];
                segments[kept - 1] = behavior == SplitBehavior.MergedWithNext ? (start, last.End, false) : (last.Start, end, false);
            }
            else
            {
                segments[kept++] = (start, end, false);
            }
            previous = isMatch;
        }
        segments.RemoveRange(kept, segments.Count - kept);
    }

    /// <summary>The segments of <paramref name="text"/> for a per-character delimiter test: each delimiter character a match of its own.</summary>
    public static void ByCharacter(ReadOnlySpan<char> text, Func<int, bool> isDelimiter, List<(int Start, int End, bool IsMatch)> segments)
    {
        var last = 0;
        for (var i = 0; i < text.Length;)
        {
            System.Text.Rune.DecodeFromUtf16(text[i..], out var rune, out var units);
            if (isDelimiter(rune.Value))
            {
                if (last < i) segments.Add((last, i, false));
                segments.Add((i, i + units, true));
                last = i + units;
            }
            i += units;
        }
        if (last < text.Length) segments.Add((last, text.Length, false));
    }
}
