namespace Bert.Gpu.Tokenization.Decoders;

/// <summary>
/// HF's <c>Tokenizer.decode</c>: each id's token (added tokens first, then the model's), the special added tokens
/// dropped when asked, then tokenizer.json's <c>decoder</c> turns the tokens into text.
/// </summary>
internal abstract class TokenTextDecoder
{
    /// <summary>The text of <paramref name="ids"/>.</summary>
    /// <param name="ids">The ids, each below the tokenizer's vocabulary size.</param>
    /// <param name="skipSpecialTokens">Drop the added tokens marked special (all of them, not only the post-processor's).</param>
    /// <param name="token">The token of an id.</param>
    /// <param name="isSpecial">Whether an id is a special added token.</param>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens, Func<int, string> token, Func<int, bool> isSpecial)
    {
        var tokens = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            if (!skipSpecialTokens || !isSpecial(id)) tokens.Add(token(id));
        }
        return Decode(tokens);
    }

    /// <summary>The decoder's text of <paramref name="tokens"/>.</summary>
    protected abstract string Decode(List<string> tokens);
}

/// <summary>No <c>decoder</c> in the file: HF joins the tokens with spaces.</summary>
internal sealed class JoinDecoder : TokenTextDecoder
{
    /// <summary>The one instance.</summary>
    public static JoinDecoder Instance { get; } = new();

    protected override string Decode(List<string> tokens) => string.Join(' ', tokens);
}

/// <summary>A decoder type this library does not implement: encoding works, decoding says so.</summary>
internal sealed class UnsupportedDecoder(string type, string file) : TokenTextDecoder
{
    protected override string Decode(List<string> tokens) =>
        throw new NotSupportedException($"{file}: decoder.type is \"{type}\", which this library cannot decode (supported: {Json.DecoderReader.Supported}); encoding works, only decoding does not.");
}
