using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// Per-request truncation at tokenization: <c>truncate</c> (default <c>--auto-truncate</c>) and
/// <c>truncation_direction</c> (right, the tokenizer's own, or left: the text's last tokens, framed by the same
/// special tokens). Token ids a client sent are taken as they are (special tokens included) and cut the same way.
/// </summary>
internal sealed class RequestTokenizer(ITokenizer tokenizer, int maxLength)
{
    /// <summary>The longest sequence, special tokens included.</summary>
    public int MaxLength => maxLength;

    /// <summary>The sequence of <paramref name="input"/>.</summary>
    /// <exception cref="ApiError">413: over the max length with <paramref name="truncate"/> false; 422: an id outside the vocabulary or no ids.</exception>
    public TokenizedText Encode(ModelInput input, bool truncate, bool left, int index)
    {
        if (input.Ids is { } ids)
            return Ids(ids, truncate, left, index);
        if (input.Pair is { } pair)
        {
            // Pairs are cut longest-first (the tokenizer's rule, as TEI's); there is no left variant.
            var encoded = tokenizer.Encode(input.Text!, pair, truncate ? maxLength : maxLength + 1);
            return Checked(encoded, truncate, index);
        }
        if (!truncate)
            return Checked(tokenizer.Encode(input.Text!, maxLength + 1), truncate, index); // stops one past the limit
        if (!left)
            return tokenizer.Encode(input.Text!, maxLength);
        var full = tokenizer.Encode(input.Text!, int.MaxValue);
        if (full.Ids.Length <= maxLength)
            return full;
        // Keep the leading special token ([CLS], <s>), the text's last tokens and the trailing special token(s).
        var trailing = tokenizer.SpecialTokenCount(pair: false) - 1;
        var keep = maxLength - 1 - trailing;
        var from = full.Ids.Length - trailing - keep;
        return new TokenizedText(Cut(full.Ids, from), Cut(full.TypeIds, from))
        {
            Offsets = full.Offsets is { } offsets ? Cut(offsets, from) : null,
        };
    }

    private static T[] Cut<T>(T[] values, int from) => [values[0], .. values.AsSpan(from)];

    private TokenizedText Ids(int[] ids, bool truncate, bool left, int index)
    {
        if (ids.Length == 0)
            throw ApiError.Tokenizer($"`inputs[{index}]` holds no token ids; send at least one.");
        foreach (var id in ids)
            if (id >= tokenizer.VocabSize)
                throw ApiError.Tokenizer($"`inputs[{index}]`: token id {id} is outside the vocabulary of {tokenizer.VocabSize}.");
        if (ids.Length > maxLength)
        {
            if (!truncate)
                throw TooLong(index, ids.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ids = left ? ids[^maxLength..] : ids[..maxLength];
        }
        return new TokenizedText(ids, new int[ids.Length]);
    }

    private TokenizedText Checked(TokenizedText encoded, bool truncate, int index) =>
        !truncate && encoded.Ids.Length > maxLength ? throw TooLong(index, $"more than {maxLength}") : encoded;

    private ApiError TooLong(int index, string given) => ApiError.Validation(
        $"`inputs[{index}]` must have at most {maxLength} tokens. Given: {given}; send shorter inputs or set `truncate` to true.");
}
