using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// <c>roberta</c>, <c>xlm-roberta</c>, <c>camembert</c>: BERT's modules under <c>roberta.</c>, one token type, and
/// positions numbered from <c>pad_token_id + 1</c> (transformers' <c>create_position_ids_from_input_ids</c>), so of
/// <c>max_position_embeddings</c> = 514 only 512 hold tokens.
/// </summary>
internal sealed class RobertaFamily : EncoderFamily
{
    public override IReadOnlyList<string> ModelTypes => ["roberta", "xlm-roberta", "camembert"];

    public override BertConfig ReadConfig(ConfigJson json) => new(
        VocabSize: json.RequiredInt("vocab_size"),
        HiddenSize: json.RequiredInt("hidden_size"),
        NumLayers: json.RequiredInt("num_hidden_layers"),
        NumHeads: json.RequiredInt("num_attention_heads"),
        IntermediateSize: json.RequiredInt("intermediate_size"),
        MaxPositionEmbeddings: json.OptionalInt("max_position_embeddings") ?? 514,
        TypeVocabSize: json.OptionalInt("type_vocab_size") ?? 1,
        LayerNormEps: json.OptionalFloat("layer_norm_eps") ?? 1e-5f,
        HiddenAct: json.OptionalString("hidden_act") ?? "gelu",
        Family: ModelFamily.Roberta,
        PositionPadId: json.OptionalInt("pad_token_id") ?? 1);

    public override string Canonical(string stored, ConfigJson json) => ModernLayerNormNames(WithoutPrefix(stored, "roberta."));
}
