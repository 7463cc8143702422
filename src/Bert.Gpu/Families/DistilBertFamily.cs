using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// <c>distilbert</c>: its own config keys (<c>dim</c>, <c>n_layers</c>, <c>n_heads</c>, <c>hidden_dim</c>,
/// <c>activation</c>) and module names (<c>transformer.layer.N.attention.q_lin</c>, <c>sa_layer_norm</c>, <c>ffn.lin1</c>…)
/// under <c>distilbert.</c>; no token types (a zero table stands in, so pair inputs' type ids change nothing, as in
/// DistilBERT itself); LayerNorm ε fixed at 1e-12 by its code, not its config.
/// </summary>
internal sealed class DistilBertFamily : EncoderFamily
{
    private static readonly (string Theirs, string Ours)[] LayerParts =
    [
        ("attention.q_lin", BertTensorNames.LayerPart.Query),
        ("attention.k_lin", BertTensorNames.LayerPart.Key),
        ("attention.v_lin", BertTensorNames.LayerPart.Value),
        ("attention.out_lin", BertTensorNames.LayerPart.AttentionOutput),
        ("sa_layer_norm", BertTensorNames.LayerPart.AttentionLayerNorm),
        ("ffn.lin1", BertTensorNames.LayerPart.Intermediate),
        ("ffn.lin2", BertTensorNames.LayerPart.Output),
        ("output_layer_norm", BertTensorNames.LayerPart.OutputLayerNorm),
    ];

    public override IReadOnlyList<string> ModelTypes => ["distilbert"];

    // sinusoidal_pos_embds needs nothing: the sinusoids are stored in the checkpoint as the position table.
    public override BertConfig ReadConfig(ConfigJson json) =>
        new(
            VocabSize: json.RequiredInt("vocab_size"),
            HiddenSize: json.OptionalInt("dim") ?? 768,
            NumLayers: json.OptionalInt("n_layers") ?? 6,
            NumHeads: json.OptionalInt("n_heads") ?? 12,
            IntermediateSize: json.OptionalInt("hidden_dim") ?? 3072,
            MaxPositionEmbeddings: json.OptionalInt("max_position_embeddings") ?? 512,
            TypeVocabSize: 2,
            LayerNormEps: 1e-12f,
            HiddenAct: json.OptionalString("activation") ?? "gelu",
            Family: ModelFamily.DistilBert);

    public override string Canonical(string stored, ConfigJson json)
    {
        var name = WithoutPrefix(stored, "distilbert.");
        const string layers = "transformer.layer.";
        if (!name.StartsWith(layers, StringComparison.Ordinal))
            return name;
        var dot = name.IndexOf('.', layers.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(layers.Length, dot - layers.Length), out var layer))
            return name;
        var rest = name[(dot + 1)..];
        foreach (var (theirs, ours) in LayerParts)
            if (rest.StartsWith(theirs + ".", StringComparison.Ordinal))
                return BertTensorNames.Layer(layer) + ours + rest[theirs.Length..];
        return name;
    }

    public override void Complete(IDictionary<string, FloatTensor> tensors, BertConfig config) =>
        tensors.TryAdd(BertTensorNames.TokenTypeEmbeddings, new FloatTensor(new float[config.TypeVocabSize * config.EmbeddingWidth], config.TypeVocabSize, config.EmbeddingWidth));
}
