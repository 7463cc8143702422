using System.Collections.Frozen;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>Lookups over <see cref="HfUnicodeTables"/>: HF's decompositions, combining classes, compositions and marks.</summary>
internal static class UnicodeData
{
    private const int HangulFirst = 0xAC00, HangulCount = 11172, LeadFirst = 0x1100, VowelFirst = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28;

    private static readonly FrozenDictionary<int, int[]> CanonicalMap = Entries(HfUnicodeTables.Canonical);
    private static readonly FrozenDictionary<int, int[]> CompatibilityMap = Entries(HfUnicodeTables.Compatibility);
    private static readonly FrozenDictionary<long, int> CompositionMap = BuildCompositions();
    private static readonly byte[] BmpClasses = BuildBmpClasses();
    private static readonly FrozenDictionary<int, byte> OtherClasses = BuildOtherClasses();
    private static readonly bool[] BmpMarks = BuildBmpMarks();

    /// <summary>Appends the full decomposition of <paramref name="cp"/> (itself if none); compatibility mappings too if <paramref name="compatibility"/>.</summary>
    public static void Decompose(int cp, bool compatibility, List<int> output)
    {
        if (cp < 0xA0)
        {
            output.Add(cp);
            return;
        }
        if (cp - HangulFirst is >= 0 and < HangulCount)
        {
            var s = cp - HangulFirst;
            output.Add(LeadFirst + s / (VowelCount * TrailCount));
            output.Add(VowelFirst + s % (VowelCount * TrailCount) / TrailCount);
            if (s % TrailCount != 0) output.Add(TrailBase + s % TrailCount);
            return;
        }
        if (compatibility && CompatibilityMap.TryGetValue(cp, out var compat)) output.AddRange(compat);
        else if (CanonicalMap.TryGetValue(cp, out var canonical)) output.AddRange(canonical);
        else output.Add(cp);
    }

    /// <summary>The rank of <paramref name="cp"/>'s canonical combining class: 0 for starters, larger for classes sorted later.</summary>
    public static int CombiningClass(int cp) => cp < 0x10000 ? BmpClasses[cp] : OtherClasses.GetValueOrDefault(cp);

    /// <summary>The primary composite of <paramref name="first"/> and <paramref name="second"/>, or -1 (Hangul by formula, as HF's compose does).</summary>
    public static int Compose(int first, int second)
    {
        if (first - LeadFirst is >= 0 and < 19 && second - VowelFirst is >= 0 and < VowelCount)
            return HangulFirst + ((first - LeadFirst) * VowelCount + second - VowelFirst) * TrailCount;
        var s = first - HangulFirst;
        if (s is >= 0 and < HangulCount && s % TrailCount == 0 && second - TrailBase is > 0 and < TrailCount)
            return first + second - TrailBase;
        return CompositionMap.TryGetValue((long)first << 21 | (uint)second, out var composite) ? composite : -1;
    }

    /// <summary>Whether StripAccents removes <paramref name="cp"/> (a combining mark in HF's tables).</summary>
    public static bool IsMark(int cp) => cp < 0x10000 ? BmpMarks[cp] : InRanges(cp, HfUnicodeTables.Marks);

    private static FrozenDictionary<int, int[]> Entries(ReadOnlySpan<int> entries)
    {
        var map = new Dictionary<int, int[]>();
        for (var i = 0; i < entries.Length; i += 2 + entries[i + 1]) map[entries[i]] = entries.Slice(i + 2, entries[i + 1]).ToArray();
        return map.ToFrozenDictionary();
    }

    private static FrozenDictionary<long, int> BuildCompositions()
    {
        var table = HfUnicodeTables.Compositions;
        var map = new Dictionary<long, int>();
        for (var i = 0; i < table.Length; i += 3) map[(long)table[i] << 21 | (uint)table[i + 1]] = table[i + 2];
        return map.ToFrozenDictionary();
    }

    private static byte[] BuildBmpClasses()
    {
        var classes = new byte[0x10000];
        var runs = HfUnicodeTables.CombiningClasses;
        for (var i = 0; i < runs.Length && runs[i] < 0x10000; i += 3)
            classes.AsSpan(runs[i], runs[i + 1] - runs[i] + 1).Fill((byte)runs[i + 2]);
        return classes;
    }

    private static FrozenDictionary<int, byte> BuildOtherClasses()
    {
        var map = new Dictionary<int, byte>();
        var runs = HfUnicodeTables.CombiningClasses;
        for (var i = 0; i < runs.Length; i += 3)
        {
            for (var cp = Math.Max(runs[i], 0x10000); cp <= runs[i + 1]; cp++) map[cp] = (byte)runs[i + 2];
        }
        return map.ToFrozenDictionary();
    }

    private static bool[] BuildBmpMarks()
    {
        var marks = new bool[0x10000];
        var ranges = HfUnicodeTables.Marks;
        for (var i = 0; i < ranges.Length && ranges[i] < 0x10000; i += 2)
            marks.AsSpan(ranges[i], Math.Min(ranges[i + 1], 0xFFFF) - ranges[i] + 1).Fill(true);
        return marks;
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
}
