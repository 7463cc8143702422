namespace Bert.Gpu.Tokenization;

/// <summary>A text-to-ids tokenizer of one model: HuggingFace's pipeline, reproduced id for id and offset for offset.</summary>
/// <remarks>
/// Implementations are immutable and thread-safe. Truncation is HF's <c>longest_first</c> with its early stop
/// (tokenization stops at the end of the word that reaches <c>maxLength</c> tokens), so long texts cost little.
/// </remarks>
public interface ITokenizer
{
    /// <summary>Number of ids: one more than the largest id, added tokens included.</summary>
    int VocabSize { get; }

    /// <summary>The special tokens' ids.</summary>
    SpecialTokenIds SpecialIds { get; }

    /// <summary>How many tokens the post-processor adds around one text (<paramref name="pair"/> false) or a pair.</summary>
    int SpecialTokenCount(bool pair);

    /// <summary>The token of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="VocabSize"/>, or no token has it.</exception>
    string IdToToken(int id);

    /// <summary>The id of <paramref name="token"/>, or null if it is not in the vocabulary.</summary>
    int? TokenToId(string token);

    /// <summary>The text of <paramref name="ids"/> as HuggingFace tokenizers' <c>decode</c> gives it: tokenizer.json's decoder (WordPiece, Metaspace, ByteLevel; none joins the tokens with spaces).</summary>
    /// <param name="ids">Token ids, each below <see cref="VocabSize"/>.</param>
    /// <param name="skipSpecialTokens">Leave out every added token marked special (not only the post-processor's).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not below <see cref="VocabSize"/>, or no token has it.</exception>
    /// <exception cref="NotSupportedException">The tokenizer.json names a decoder type this library does not implement (the message names it).</exception>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens);

    /// <summary>Tokenizes one text with its special tokens, truncated to <paramref name="maxLength"/> tokens in all.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">Most tokens in the result, special tokens included; at least <see cref="SpecialTokenCount"/>(false).</param>
    TokenizedText Encode(string text, int maxLength);

    /// <summary>Tokenizes a pair with its special tokens, truncated longest-first to <paramref name="maxLength"/> tokens in all.</summary>
    /// <param name="text">The first text.</param>
    /// <param name="pair">The second text.</param>
    /// <param name="maxLength">Most tokens in the result, special tokens included; at least <see cref="SpecialTokenCount"/>(true).</param>
    TokenizedText Encode(string text, string pair, int maxLength);
}
