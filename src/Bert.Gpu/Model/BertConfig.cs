namespace Bert.Gpu.Model;

/// <summary>
/// The shape of a BERT-family encoder, with the meaning (and names) of HuggingFace's <c>config.json</c>.
/// </summary>
/// <param name="VocabSize">Rows of the word-embedding table.</param>
/// <param name="HiddenSize">Width of every hidden state.</param>
/// <param name="NumLayers">Number of transformer layers.</param>
/// <param name="NumHeads">Attention heads per layer; <see cref="HiddenSize"/> is a multiple of it.</param>
/// <param name="IntermediateSize">Width of the feed-forward block.</param>
/// <param name="MaxPositionEmbeddings">Rows of the position-embedding table: the longest input the model takes.</param>
/// <param name="TypeVocabSize">Rows of the token-type (segment) embedding table.</param>
/// <param name="LayerNormEps">Epsilon added to the variance in every LayerNorm.</param>
/// <param name="HiddenAct">Feed-forward activation; only <c>gelu</c> (the exact erf form) is supported.</param>
public sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int NumLayers,
    int NumHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    float LayerNormEps,
    string HiddenAct = "gelu")
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / NumHeads;

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
        if (HiddenAct is not ("gelu" or "gelu_python"))
            throw new ModelFormatException(source, $"hidden_act '{HiddenAct}' is not supported; only the exact erf GELU ('gelu') is.");
    }
}
