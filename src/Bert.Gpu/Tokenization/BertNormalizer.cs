using System.Text;

namespace Bert.Gpu.Tokenization;

/// <summary>HuggingFace's BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, in that order.</summary>
/// <remarks>
/// Every step maps one code point to zero or more code points independently of its neighbours (HF lowercases
/// char by char, so there is no final-sigma rule), which lets one pass apply all four. HF's NFD would also
/// reorder runs of combining marks; strip_accents deletes the nonspacing ones, so only two adjacent marks that
/// it keeps, with different combining classes, could come out in another order (not seen in any fixture).
/// </remarks>
internal sealed class BertNormalizer(BertNormalizerOptions options)
{
    private readonly bool _clean = options.CleanText;
    private readonly bool _chinese = options.HandleChineseChars;
    private readonly bool _strip = options.StripAccents ?? options.Lowercase;
    private readonly bool _lower = options.Lowercase;

    /// <summary>Appends the normalized <paramref name="text"/> to <paramref name="output"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="output">Receives the normalized text.</param>
    /// <param name="sources">If given, receives for each appended code unit the index in <paramref name="text"/> of the
    /// character it came from: every step maps one character to its own output, so that is its HF alignment.</param>
    public void Normalize(ReadOnlySpan<char> text, StringBuilder output, List<int>? sources = null)
    {
        var i = 0;
        while (i < text.Length)
        {
            // A lone surrogate becomes U+FFFD, as HF sees it after the UTF-8 conversion at its API boundary.
            Rune.DecodeFromUtf16(text[i..], out var rune, out var used);
            var before = output.Length;
            Append(rune.Value, output);
            if (sources is not null)
            {
                for (var k = before; k < output.Length; k++) sources.Add(i);
            }
            i += used;
        }
    }

    private void Append(int cp, StringBuilder output)
    {
        if (cp < 0x80 && !_clean)
        {
            output.Append(_lower && cp is >= 'A' and <= 'Z' ? (char)(cp + 32) : (char)cp);
            return;
        }
        if (_clean)
        {
            if (BertCharInfo.IsDropped(cp)) return;
            if (BertCharInfo.IsCleanedToSpace(cp)) cp = ' ';
        }
        if (_chinese && BertCharInfo.IsChinese(cp))
        {
            output.Append(' ');
            AppendStrippedLowered(cp, output);
            output.Append(' ');
        }
        else
        {
            AppendStrippedLowered(cp, output);
        }
    }

    /// <summary>The normalized <paramref name="text"/> as a string.</summary>
    public string Normalize(string text)
    {
        var output = new StringBuilder(text.Length);
        Normalize(text, output);
        return output.ToString();
    }

    private void AppendStrippedLowered(int cp, StringBuilder output)
    {
        if (cp < 0x80)
        {
            output.Append(_lower && cp is >= 'A' and <= 'Z' ? (char)(cp + 32) : (char)cp);
            return;
        }
        if (_strip)
        {
            if (BertCharInfo.IsStripped(cp)) return;
            if (BertCharInfo.Decomposition(cp) is { } parts)
            {
                // The parts are already free of nonspacing marks; lowercase applies to each of them.
                for (var i = 0; i < parts.Length; i += char.IsSurrogatePair(parts, i) ? 2 : 1)
                    AppendLowered(char.ConvertToUtf32(parts, i), output);
                return;
            }
        }
        AppendLowered(cp, output);
    }

    private void AppendLowered(int cp, StringBuilder output)
    {
        if (_lower && BertCharInfo.Lowercase(cp) is { } lower)
            output.Append(lower);
        else if (cp < 0x10000)
            output.Append((char)cp);
        else
        {
            Span<char> pair = stackalloc char[2];
            output.Append(pair[..new Rune(cp).EncodeToUtf16(pair)]);
        }
    }
}
