namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>
/// HF's ByteLevel <c>process_offsets</c> (trim_offsets): a token's span loses the spaces its string starts or ends
/// with, so "Ġworld" points at "world"; the space HF itself prepended (add_prefix_space) stays on the first token.
/// </summary>
/// <param name="AddPrefixSpace">The processor's add_prefix_space: keep one leading space on the first token.</param>
internal sealed record OffsetTrimming(bool AddPrefixSpace)
{
    // ByteLevel's stand-in for the space byte.
    private const char SpaceByte = '\u0120';

    /// <summary>The trimmed span of a token whose string is <paramref name="value"/>.</summary>
    /// <param name="offsets">The token's span in <paramref name="original"/>.</param>
    /// <param name="value">HF's Token.value: the vocabulary string, or the matched text of an added token.</param>
    /// <param name="isFirst">Whether this is the first token of its sequence.</param>
    /// <param name="original">The text being encoded.</param>
    /// <remarks>
    /// HF moves the span's ends by the number of space characters, counted in characters of the original text
    /// (so a lone prefix space on an emoji takes the whole emoji off); here the ends move by as many code points.
    /// Rust's <c>char::is_whitespace</c> is exactly <see cref="char.IsWhiteSpace(char)"/>.
    /// </remarks>
    public TokenSpan Trim(TokenSpan offsets, ReadOnlySpan<char> value, bool isFirst, ReadOnlySpan<char> original)
    {
        var leading = 0;
        while (leading < value.Length && IsSpace(value[leading])) leading++;
        var trailing = 0;
        while (trailing < value.Length && IsSpace(value[value.Length - 1 - trailing])) trailing++;
        var (start, end) = offsets;
        if (leading > 0)
        {
            if ((isFirst || start == 0) && AddPrefixSpace && leading == 1) leading = 0;
            for (var i = 0; i < leading && start < end; i++) start += char.IsHighSurrogate(original[start]) && start + 1 < end && char.IsLowSurrogate(original[start + 1]) ? 2 : 1;
            start = Math.Min(start, end);
        }
        if (trailing > 0)
        {
            var back = end;
            var i = 0;
            for (; i < trailing && back > 0; i++) back -= back >= 2 && char.IsLowSurrogate(original[back - 1]) && char.IsHighSurrogate(original[back - 2]) ? 2 : 1;
            // HF's guard: only if the span ends at least that many characters into the text.
            if (i == trailing) end = Math.Max(back, start);
        }
        return new TokenSpan(start, end);
    }

    private static bool IsSpace(char c) => c == SpaceByte || char.IsWhiteSpace(c);
}
