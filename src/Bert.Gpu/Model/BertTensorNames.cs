namespace Bert.Gpu.Model;

/// <summary>
/// Canonical names of a BERT encoder's tensors: HuggingFace's names without the optional <c>bert.</c> prefix.
/// Linear weights are stored as PyTorch does, <c>[out, in]</c>.
/// </summary>
public static class BertTensorNames
{
    /// <summary>Word embedding table <c>[vocab, hidden]</c>.</summary>
    public const string WordEmbeddings = "embeddings.word_embeddings.weight";

    /// <summary>Position embedding table <c>[max_position, hidden]</c>.</summary>
    public const string PositionEmbeddings = "embeddings.position_embeddings.weight";

    /// <summary>Token-type embedding table <c>[type_vocab, hidden]</c>.</summary>
    public const string TokenTypeEmbeddings = "embeddings.token_type_embeddings.weight";

    /// <summary>Embedding LayerNorm scale <c>[hidden]</c>.</summary>
    public const string EmbeddingsLayerNormWeight = "embeddings.LayerNorm.weight";

    /// <summary>Embedding LayerNorm shift <c>[hidden]</c>.</summary>
    public const string EmbeddingsLayerNormBias = "embeddings.LayerNorm.bias";

    /// <summary>
    /// The linear unit from the embedding width to the hidden width, <c>.weight</c> <c>[hidden, embedding]</c> and
    /// <c>.bias</c> (a name of ours: ALBERT's <c>encoder.embedding_hidden_mapping_in</c>, ELECTRA's <c>embeddings_project</c>).
    /// </summary>
    public const string EmbeddingsProjection = "embeddings.projection";

    /// <summary>Prefix of layer <paramref name="layer"/>'s tensors, e.g. <c>encoder.layer.3.</c>.</summary>
    public static string Layer(int layer) => $"encoder.layer.{layer}.";

    /// <summary>
    /// The name of layer <paramref name="layer"/>'s <paramref name="unit"/>, e.g. <c>encoder.layer.3.intermediate.dense</c>;
    /// the fused Q/K/V unit is <c>encoder.layer.3.attention.self.qkv</c> (a name of ours: HuggingFace has three).
    /// </summary>
    public static string Unit(int layer, LinearUnit unit) => Layer(layer) + unit switch
    {
        LinearUnit.Qkv => "attention.self.qkv",
        LinearUnit.AttentionOutput => LayerPart.AttentionOutput,
        LinearUnit.Intermediate => LayerPart.Intermediate,
        LinearUnit.Output => LayerPart.Output,
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    /// <summary>The layer and unit that <paramref name="name"/> (a <see cref="Unit"/> name) stands for, in a model of <paramref name="layers"/> layers; null if none.</summary>
    public static (int Layer, LinearUnit Unit)? ParseUnit(string name, int layers)
    {
        for (var layer = 0; layer < layers; layer++)
            foreach (var unit in Enum.GetValues<LinearUnit>())
                if (Unit(layer, unit) == name)
                    return (layer, unit);
        return null;
    }

    /// <summary>The HuggingFace parts (each with <c>.weight</c> and <c>.bias</c>) that make up <paramref name="unit"/>, in fused order.</summary>
    public static IReadOnlyList<string> Parts(LinearUnit unit) => unit switch
    {
        LinearUnit.Qkv => [LayerPart.Query, LayerPart.Key, LayerPart.Value],
        LinearUnit.AttentionOutput => [LayerPart.AttentionOutput],
        LinearUnit.Intermediate => [LayerPart.Intermediate],
        LinearUnit.Output => [LayerPart.Output],
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    /// <summary>The per-layer tensor suffixes, each followed by <c>.weight</c> and <c>.bias</c>.</summary>
    public static class LayerPart
    {
        /// <summary>Query projection.</summary>
        public const string Query = "attention.self.query";

        /// <summary>Key projection.</summary>
        public const string Key = "attention.self.key";

        /// <summary>Value projection.</summary>
        public const string Value = "attention.self.value";

        /// <summary>Attention output projection.</summary>
        public const string AttentionOutput = "attention.output.dense";

        /// <summary>LayerNorm after attention.</summary>
        public const string AttentionLayerNorm = "attention.output.LayerNorm";

        /// <summary>Feed-forward up projection.</summary>
        public const string Intermediate = "intermediate.dense";

        /// <summary>Feed-forward down projection.</summary>
        public const string Output = "output.dense";

        /// <summary>LayerNorm after the feed-forward block.</summary>
        public const string OutputLayerNorm = "output.LayerNorm";
    }
}
