namespace Bert.Gpu.Model;

/// <summary>
/// The shape of a BERT-family encoder, with the meaning (and names) of HuggingFace's <c>config.json</c> for BERT; the
/// other families' configs are read into the same fields (<c>Families/</c>), their differences in the last five.
/// </summary>
/// <param name="VocabSize">Rows of the word-embedding table.</param>
/// <param name="HiddenSize">Width of every hidden state.</param>
/// <param name="NumLayers">
/// Number of transformer layers with their own weights; the encoder runs them in <see cref="LayerSchedule"/>'s order
/// (ALBERT runs a few shared layers many times), else each once in order.
/// </param>
/// <param name="NumHeads">Attention heads per layer; <see cref="HiddenSize"/> is a multiple of it.</param>
/// <param name="IntermediateSize">Width of the feed-forward block.</param>
/// <param name="MaxPositionEmbeddings">Rows of the position-embedding table: the longest input the model takes.</param>
/// <param name="TypeVocabSize">Rows of the token-type (segment) embedding table.</param>
/// <param name="LayerNormEps">Epsilon added to the variance in every LayerNorm.</param>
/// <param name="HiddenAct">
/// Feed-forward activation: <c>gelu</c> (erf), <c>gelu_new</c> / <c>gelu_pytorch_tanh</c> / <c>gelu_fast</c> (tanh form), or <c>relu</c>.
/// </param>
/// <param name="Family">Which family's rules the tensors and positions follow.</param>
/// <param name="EmbeddingSize">Width of the embedding tables and their LayerNorm; 0 means <see cref="HiddenSize"/>.</param>
/// <param name="HasEmbeddingProjection">A linear <c>embeddings.projection</c> maps the embeddings to the hidden width (ALBERT, ELECTRA).</param>
/// <param name="PositionPadId">
/// RoBERTa's numbering: a token's position is this pad id plus its count of non-pad tokens so far (a pad token sits at
/// the pad id). Null: positions 0, 1, 2, … (BERT).
/// </param>
/// <param name="LayerSchedule">The weight layer each application uses, in order (ALBERT); null: 0 … NumLayers − 1.</param>
public sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int NumLayers,
    int NumHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    float LayerNormEps,
    string HiddenAct = "gelu",
    ModelFamily Family = ModelFamily.Bert,
    int EmbeddingSize = 0,
    bool HasEmbeddingProjection = false,
    int? PositionPadId = null,
    IReadOnlyList<int>? LayerSchedule = null)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Width of the embedding tables (<see cref="EmbeddingSize"/>, or the hidden width).</summary>
    public int EmbeddingWidth => EmbeddingSize == 0 ? HiddenSize : EmbeddingSize;

    /// <summary>The longest input in tokens: every position the table holds, less RoBERTa's pad + 1 offset.</summary>
    public int MaxSequenceLength => MaxPositionEmbeddings - (PositionPadId is { } pad ? pad + 1 : 0);

    /// <summary>The weight layer of each layer application, in order.</summary>
    public IReadOnlyList<int> Schedule => LayerSchedule ?? [.. Enumerable.Range(0, NumLayers)];

    /// <summary>The activation names each family's configs use, by the function they stand for.</summary>
    public static bool IsTanhGelu(string act) => act is "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast";

    /// <summary>Throws <see cref="ModelFormatException"/> naming <paramref name="source"/> when the numbers cannot describe a BERT encoder.</summary>
    /// <param name="source">File the configuration came from, for the error message.</param>
    public void Validate(string source)
    {
        void Positive(int value, string name)
        {
            if (value <= 0)
                throw new ModelFormatException(source, $"{name} must be positive, found {value}.");
        }

        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumLayers, "num_hidden_layers");
        Positive(NumHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        if (HiddenSize % NumHeads != 0)
            throw new ModelFormatException(source, $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumHeads}.");
        // A JSON 1e39 or larger is +Inf as a float, and an infinite epsilon makes every LayerNorm output its bias.
        if (!(LayerNormEps > 0) || float.IsPositiveInfinity(LayerNormEps))
            throw new ModelFormatException(source, $"layer_norm_eps must be positive and finite, found {LayerNormEps}.");
        if (HiddenAct is not ("gelu" or "gelu_python" or "relu") && !IsTanhGelu(HiddenAct))
            throw new ModelFormatException(source, $"hidden_act '{HiddenAct}' is not supported; use gelu (erf), gelu_new / gelu_pytorch_tanh / gelu_fast (tanh form) or relu.");
        if (EmbeddingSize < 0 || EmbeddingWidth > HiddenSize)
            throw new ModelFormatException(source, $"embedding_size {EmbeddingSize} is wider than hidden_size {HiddenSize}; only embeddings up to the hidden width are supported.");
        if (EmbeddingWidth != HiddenSize && !HasEmbeddingProjection)
            throw new ModelFormatException(source, $"embedding_size {EmbeddingSize} differs from hidden_size {HiddenSize} but the model has no projection between them.");
        if (PositionPadId is { } padId && (padId < 0 || MaxSequenceLength < 2))
            throw new ModelFormatException(source, $"pad_token_id {padId} with max_position_embeddings {MaxPositionEmbeddings} leaves no room for a sequence (positions start at pad_token_id + 1).");
        if (LayerSchedule is { } schedule && (schedule.Count == 0 || schedule.Any(l => l < 0 || l >= NumLayers)))
            throw new ModelFormatException(source, $"the layer schedule [{string.Join(",", schedule)}] names layers outside 0…{NumLayers - 1}.");
    }
}
