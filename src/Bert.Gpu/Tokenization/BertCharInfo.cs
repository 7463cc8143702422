using System.Collections.Frozen;

namespace Bert.Gpu.Tokenization;

/// <summary>Fast lookups over <see cref="HfCharTables"/>: what each BERT step does to one code point.</summary>
internal static class BertCharInfo
{
    private const byte DroppedFlag = 1, CleanedToSpaceFlag = 2, ChineseFlag = 4, StrippedFlag = 8, SplitWhitespaceFlag = 16, PunctuationFlag = 32;
    private const int HangulFirst = 0xAC00, HangulLast = 0xD7A3;

    // One flag byte per BMP code point keeps the common case a single array read; the rest binary-searches.
    private static readonly byte[] BmpFlags = BuildBmpFlags();

    private static readonly FrozenDictionary<int, string> DecompositionMap = BuildMap(HfCharTables.Decompositions);

    private static readonly FrozenDictionary<int, string> LowercaseMap = BuildLowercaseMap();

    public static bool IsDropped(int cp) => Has(cp, DroppedFlag, HfCharTables.Dropped);

    public static bool IsCleanedToSpace(int cp) => Has(cp, CleanedToSpaceFlag, HfCharTables.CleanedToSpace);

    public static bool IsChinese(int cp) => Has(cp, ChineseFlag, HfCharTables.Chinese);

    public static bool IsStripped(int cp) => Has(cp, StrippedFlag, HfCharTables.Stripped);

    public static bool IsSplitWhitespace(int cp) => Has(cp, SplitWhitespaceFlag, HfCharTables.SplitWhitespace);

    public static bool IsPunctuation(int cp) => Has(cp, PunctuationFlag, HfCharTables.Punctuation);

    /// <summary>What strip_accents turns a code point it does not delete into (NFD, nonspacing marks removed), or null if unchanged.</summary>
    public static string? Decomposition(int cp)
    {
        if (cp is >= HangulFirst and <= HangulLast)
            return HangulJamo(cp);
        return cp < 0xC0 ? null : DecompositionMap.GetValueOrDefault(cp);
    }

    /// <summary>HF's lowercase of a code point (Rust's full <c>char::to_lowercase</c>), or null if unchanged.</summary>
    public static string? Lowercase(int cp) => LowercaseMap.GetValueOrDefault(cp);

    private static bool Has(int cp, byte flag, ReadOnlySpan<int> ranges) =>
        cp < 0x10000 ? (BmpFlags[cp] & flag) != 0 : InRanges(cp, ranges);

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

    // Unicode's arithmetic Hangul decomposition: the oracle matches it exactly, so the table leaves these out.
    private static string HangulJamo(int cp)
    {
        var s = cp - HangulFirst;
        var lead = (char)(0x1100 + s / 588);
        var vowel = (char)(0x1161 + s % 588 / 28);
        return s % 28 == 0 ? string.Concat(lead, vowel) : string.Concat(lead, vowel, (char)(0x11A7 + s % 28));
    }

    private static byte[] BuildBmpFlags()
    {
        var flags = new byte[0x10000];
        Mark(flags, HfCharTables.Dropped, DroppedFlag);
        Mark(flags, HfCharTables.CleanedToSpace, CleanedToSpaceFlag);
        Mark(flags, HfCharTables.Chinese, ChineseFlag);
        Mark(flags, HfCharTables.Stripped, StrippedFlag);
        Mark(flags, HfCharTables.SplitWhitespace, SplitWhitespaceFlag);
        Mark(flags, HfCharTables.Punctuation, PunctuationFlag);
        return flags;
    }

    private static void Mark(byte[] flags, ReadOnlySpan<int> ranges, byte flag)
    {
        for (var i = 0; i < ranges.Length && ranges[i] < flags.Length; i += 2)
        {
            for (var cp = ranges[i]; cp <= Math.Min(ranges[i + 1], flags.Length - 1); cp++)
                flags[cp] |= flag;
        }
    }

    // Entries are: code point, count, that many replacement code points.
    private static FrozenDictionary<int, string> BuildMap(ReadOnlySpan<int> entries)
    {
        var map = new Dictionary<int, string>();
        AddEntries(map, entries);
        return map.ToFrozenDictionary();
    }

    private static void AddEntries(Dictionary<int, string> map, ReadOnlySpan<int> entries)
    {
        for (var i = 0; i < entries.Length; i += 2 + entries[i + 1])
        {
            var text = new System.Text.StringBuilder();
            foreach (var cp in entries.Slice(i + 2, entries[i + 1]))
                text.Append(char.ConvertFromUtf32(cp));
            map[entries[i]] = text.ToString();
        }
    }

    private static FrozenDictionary<int, string> BuildLowercaseMap()
    {
        var map = new Dictionary<int, string>();
        var runs = HfCharTables.LowercaseRuns;
        for (var i = 0; i < runs.Length; i += 4)
        {
            for (var cp = runs[i]; cp <= runs[i + 1]; cp += runs[i + 2])
                map[cp] = char.ConvertFromUtf32(cp + runs[i + 3]);
        }
        AddEntries(map, HfCharTables.LowercaseExpansions);
        return map.ToFrozenDictionary();
    }
}
