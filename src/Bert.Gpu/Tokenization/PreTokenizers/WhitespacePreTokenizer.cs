using System.Globalization;
using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's Whitespace pre-tokenizer, <c>\w+|[^\w\s]+</c>: runs of word characters and runs of other non-space
/// characters, whitespace dropped. Rust's Unicode \w is approximated by .NET's categories (letters, marks, decimal
/// digits, connector punctuation, letter numbers, joiners); \s is White_Space, i.e. <see cref="char.IsWhiteSpace(char)"/>.
/// </summary>
internal sealed class WhitespacePreTokenizer : IPreTokenizer
{
    public static WhitespacePreTokenizer Instance { get; } = new();

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var text = source.TextOf(split);
        var start = 0;
        var kind = 0;
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var units);
            var k = Rune.IsWhiteSpace(rune) ? 0 : IsWord(rune) ? 1 : 2;
            if (k != kind)
            {
                if (kind != 0) destination.AddSlice(source, split.Start + start, i - start);
                start = i;
                kind = k;
            }
            i += units;
        }
        if (kind != 0) destination.AddSlice(source, split.Start + start, text.Length - start);
    }

    private static bool IsWord(Rune rune) => rune.Value is 0x200C or 0x200D || Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.LetterNumber or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
        or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
}
