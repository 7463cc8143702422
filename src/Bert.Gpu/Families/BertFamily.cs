using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// <c>bert</c>: the canonical layout itself, bare or under <c>bert.</c> (task models: BertForMaskedLM, …), with old
/// TensorFlow-converted checkpoints' <c>LayerNorm.gamma</c> / <c>.beta</c> read as <c>.weight</c> / <c>.bias</c>.
/// </summary>
internal sealed class BertFamily : EncoderFamily
{
    public override IReadOnlyList<string> ModelTypes => ["bert"];

    public override BertConfig ReadConfig(ConfigJson json) => new(
        VocabSize: json.RequiredInt("vocab_size"),
        HiddenSize: json.RequiredInt("hidden_size"),
        NumLayers: json.RequiredInt("num_hidden_layers"),
        NumHeads: json.RequiredInt("num_attention_heads"),
        IntermediateSize: json.RequiredInt("intermediate_size"),
        MaxPositionEmbeddings: json.OptionalInt("max_position_embeddings") ?? 512,
        TypeVocabSize: json.OptionalInt("type_vocab_size") ?? 2,
        LayerNormEps: json.OptionalFloat("layer_norm_eps") ?? 1e-12f,
        HiddenAct: json.OptionalString("hidden_act") ?? "gelu");

    public override string Canonical(string stored, ConfigJson json) => ModernLayerNormNames(WithoutPrefix(stored, "bert."));
}
