using System.Text;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's ByteLevel regex, <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, as a
/// hand-written scanner: one pass, no backtracking, so a 10 MB word costs linear time.
/// </summary>
internal static class Gpt2Pattern
{
    /// <summary>The end of the match that starts at <paramref name="i"/> (the pattern matches at every position).</summary>
    public static int MatchEnd(ReadOnlySpan<char> text, int i)
    {
        if (text[i] == '\'' && Contraction(text[(i + 1)..]) is var c and > 0) return i + 1 + c;
        var first = ClassAt(text, i, out var firstUnits);
        // " ?X+": a space (U+0020 only) joins a following run of letters, numbers or other symbols.
        if (text[i] == ' ' && i + 1 < text.Length)
        {
            var next = ClassAt(text, i + 1, out _);
            if (next != OnigCharClass.Space) return RunEnd(text, i + 1, next);
        }
        if (first != OnigCharClass.Space) return RunEnd(text, i, first);
        // Whitespace: "\s+(?!\S)" keeps the last space of a run for the word after it, "\s+" takes a lone one.
        var end = i + firstUnits;
        var lastStart = i;
        while (end < text.Length && ClassAt(text, end, out var units) == OnigCharClass.Space)
        {
            lastStart = end;
            end += units;
        }
        return end == text.Length || lastStart == i ? end : lastStart;
    }

    private static int RunEnd(ReadOnlySpan<char> text, int i, OnigCharClass runClass)
    {
        while (i < text.Length && ClassAt(text, i, out var units) == runClass) i += units;
        return i;
    }

    // Length of the contraction after an apostrophe: 's 't 'm 'd or 're 've 'll, else 0.
    private static int Contraction(ReadOnlySpan<char> rest)
    {
        if (rest.Length == 0) return 0;
        if (rest[0] is 's' or 't' or 'm' or 'd') return 1;
        if (rest.Length < 2) return 0;
        return rest[..2] is "re" or "ve" or "ll" ? 2 : 0;
    }

    private static OnigCharClass ClassAt(ReadOnlySpan<char> text, int i, out int units)
    {
        var c = text[i];
        if (c < 0x80)
        {
            units = 1;
            return AsciiClasses[c];
        }
        Rune.DecodeFromUtf16(text[i..], out var rune, out units);
        return OnigCharClasses.Of(rune.Value);
    }

    private static readonly OnigCharClass[] AsciiClasses = BuildAscii();

    private static OnigCharClass[] BuildAscii()
    {
        var classes = new OnigCharClass[0x80];
        for (var c = 0; c < classes.Length; c++) classes[c] = OnigCharClasses.Of(c);
        return classes;
    }
}
