namespace Bert.Gpu.Tokenization.Decoders;

/// <summary>
/// HF's Metaspace decoder (SentencePiece): the replacement character (<c>▁</c>) becomes a space, and the first
/// token loses its leading one unless the pre-tokenizer never prepends it (<c>prepend_scheme: never</c>, or the older
/// <c>add_prefix_space: false</c>).
/// </summary>
internal sealed class MetaspaceDecoder(char replacement, bool stripFirstSpace) : TokenTextDecoder
{
    protected override string Decode(List<string> tokens)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i].Replace(replacement, ' ');
            text.Append(i == 0 && stripFirstSpace && token.StartsWith(' ') ? token.AsSpan(1) : token);
        }
        return text.ToString();
    }
}
