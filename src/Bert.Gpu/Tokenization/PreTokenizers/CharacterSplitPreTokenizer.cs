using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's pre-tokenizers that split on a per-character test: Punctuation (ASCII or Unicode punctuation, HF's own
/// classes from <see cref="BertCharInfo.IsPunctuation"/>), Digits (Rust's <c>char::is_numeric</c>, approximated by
/// .NET's number categories) and CharDelimiterSplit (one character, removed).
/// </summary>
internal sealed class CharacterSplitPreTokenizer(Func<int, bool> isDelimiter, SplitBehavior behavior) : IPreTokenizer
{
    [ThreadStatic] private static List<(int, int, bool)>? t_segments;

    /// <summary>HF's Punctuation with <paramref name="behavior"/> (Isolated by default).</summary>
    public static CharacterSplitPreTokenizer Punctuation(SplitBehavior behavior) => new(BertCharInfo.IsPunctuation, behavior);

    /// <summary>HF's Digits: each digit apart, or runs of digits together.</summary>
    public static CharacterSplitPreTokenizer Digits(bool individual) =>
        new(cp => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp) is System.Globalization.UnicodeCategory.DecimalDigitNumber
            or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber,
            individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous);

    /// <summary>HF's CharDelimiterSplit: split on <paramref name="delimiter"/>, which is dropped.</summary>
    public static CharacterSplitPreTokenizer Delimiter(int delimiter) => new(cp => cp == delimiter, SplitBehavior.Removed);

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var segments = t_segments ??= [];
        segments.Clear();
        Splitter.ByCharacter(source.TextOf(split), isDelimiter, segments);
        Splitter.Apply(source, split, segments, behavior, destination);
        if (segments.Count > ScratchLimit.Elements) t_segments = null;
    }
}
