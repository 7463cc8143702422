namespace Bert.Gpu.Tokenization.Models;

/// <summary>One of HF's models: turns a pre-tokenized word into vocabulary ids.</summary>
internal interface ITokenModel
{
    /// <summary>One more than the largest id of the model's vocabulary.</summary>
    int IdCount { get; }

    /// <summary>The id used for what the vocabulary cannot cover, if the model has one.</summary>
    int? UnkId { get; }

    /// <summary>Appends the tokens of <paramref name="word"/> (non-empty) to <paramref name="tokens"/>.</summary>
    void Tokenize(ReadOnlySpan<char> word, List<ModelToken> tokens);

    /// <summary>The token string of <paramref name="id"/>, or null if the vocabulary has no such id.</summary>
    string? IdToToken(int id);

    /// <summary>The id of <paramref name="token"/>, or null.</summary>
    int? TokenToId(ReadOnlySpan<char> token);

    /// <summary>
    /// The string HF gives <paramref name="token"/> (its <c>Token.value</c>), which offset trimming inspects: the
    /// vocabulary entry for BPE, the covered text for Unigram.
    /// </summary>
    ReadOnlySpan<char> ValueOf(ModelToken token, ReadOnlySpan<char> word);
}
