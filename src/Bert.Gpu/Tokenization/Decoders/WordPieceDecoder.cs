namespace Bert.Gpu.Tokenization.Decoders;

/// <summary>
/// HF's WordPiece decoder: a token with the continuing-subword prefix joins the previous one (prefix dropped), any
/// other token after the first starts with a space; with <c>cleanup</c>, each token then loses the spaces
/// transformers' <c>clean_up_tokenization</c> removes before punctuation and contractions.
/// </summary>
internal sealed class WordPieceDecoder(string prefix, bool cleanup) : TokenTextDecoder
{
    protected override string Decode(List<string> tokens)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i > 0)
            {
                // Rust's replacen(prefix, "", 1) on a token that starts with the prefix: the prefix goes.
                token = token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            }
            // HF cleans each token alone (after its space is added), so a pattern never spans two tokens.
            text.Append(cleanup ? Cleanup(token) : token);
        }
        return text.ToString();
    }

    private static string Cleanup(string token) => token
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" do not", " don't", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
