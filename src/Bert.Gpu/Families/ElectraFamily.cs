using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// <c>electra</c>, the discriminator (or any ELECTRA encoder): BERT's modules under <c>electra.</c>, embeddings of
/// <c>embedding_size</c> projected to the hidden width by <c>embeddings_project</c> when the two differ.
/// </summary>
internal sealed class ElectraFamily : EncoderFamily
{
    public override IReadOnlyList<string> ModelTypes => ["electra"];

    public override BertConfig ReadConfig(ConfigJson json)
    {
        var hidden = json.RequiredInt("hidden_size");
        var embedding = json.OptionalInt("embedding_size") ?? 128;
        return new BertConfig(
            VocabSize: json.RequiredInt("vocab_size"),
            HiddenSize: hidden,
            NumLayers: json.RequiredInt("num_hidden_layers"),
            NumHeads: json.RequiredInt("num_attention_heads"),
            IntermediateSize: json.RequiredInt("intermediate_size"),
            MaxPositionEmbeddings: json.OptionalInt("max_position_embeddings") ?? 512,
            TypeVocabSize: json.OptionalInt("type_vocab_size") ?? 2,
            LayerNormEps: json.OptionalFloat("layer_norm_eps") ?? 1e-12f,
            HiddenAct: json.OptionalString("hidden_act") ?? "gelu",
            Family: ModelFamily.Electra,
            EmbeddingSize: embedding,
            HasEmbeddingProjection: embedding != hidden);
    }

    public override string Canonical(string stored, ConfigJson json)
    {
        var name = ModernLayerNormNames(WithoutPrefix(stored, "electra."));
        return name.StartsWith("embeddings_project.", StringComparison.Ordinal)
            ? BertTensorNames.EmbeddingsProjection + name["embeddings_project".Length..]
            : name;
    }
}
