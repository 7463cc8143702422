namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>Fast lookups over <see cref="HfRegexTables"/>: the class of a code point in HF's GPT-2 pattern.</summary>
/// <remarks>
/// Oniguruma's Unicode tables are not .NET's (different Unicode versions), so the classes are measured from HF
/// itself (tests/oracle/gen-pipelines.js) rather than taken from <see cref="System.Globalization.CharUnicodeInfo"/>.
/// </remarks>
internal static class OnigCharClasses
{
    // One byte per BMP code point keeps the common case a single array read; the rest binary-searches.
    private static readonly OnigCharClass[] Bmp = BuildBmp();

    /// <summary>The class of <paramref name="cp"/>.</summary>
    public static OnigCharClass Of(int cp)
    {
        if (cp < 0x10000) return Bmp[cp];
        if (InRanges(cp, HfRegexTables.Letters)) return OnigCharClass.Letter;
        if (InRanges(cp, HfRegexTables.Numbers)) return OnigCharClass.Number;
        return InRanges(cp, HfRegexTables.Spaces) ? OnigCharClass.Space : OnigCharClass.Other;
    }

    private static bool InRanges(int cp, ReadOnlySpan<int> ranges)
    {
        int lo = 0, hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid]) hi = mid - 1;
            else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    private static OnigCharClass[] BuildBmp()
    {
        var classes = new OnigCharClass[0x10000];
        Mark(classes, HfRegexTables.Letters, OnigCharClass.Letter);
        Mark(classes, HfRegexTables.Numbers, OnigCharClass.Number);
        Mark(classes, HfRegexTables.Spaces, OnigCharClass.Space);
        return classes;
    }

    private static void Mark(OnigCharClass[] classes, ReadOnlySpan<int> ranges, OnigCharClass value)
    {
        for (var i = 0; i < ranges.Length && ranges[i] < classes.Length; i += 2)
            classes.AsSpan(ranges[i], Math.Min(ranges[i + 1], classes.Length - 1) - ranges[i] + 1).Fill(value);
    }
}
