using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// <c>albert</c>: embeddings of <c>embedding_size</c> with their LayerNorm, then <c>encoder.embedding_hidden_mapping_in</c>
/// to the hidden width; <c>num_hidden_groups</c> groups of <c>inner_group_num</c> layers hold all the layer weights.
/// Application i of <c>num_hidden_layers</c> runs group ⌊i / (layers / groups)⌋, its inner layers in order (transformers'
/// <c>AlbertTransformer</c>), so the canonical layer <c>g·inner + j</c> is group g's layer j and the schedule says which
/// runs when. Module names inside a layer: <c>attention.{query,key,value,dense,LayerNorm}</c>, <c>ffn</c>,
/// <c>ffn_output</c>, <c>full_layer_layer_norm</c>.
/// </summary>
internal sealed class AlbertFamily : EncoderFamily
{
    private static readonly (string Theirs, string Ours)[] LayerParts =
    [
        ("attention.query", BertTensorNames.LayerPart.Query),
        ("attention.key", BertTensorNames.LayerPart.Key),
        ("attention.value", BertTensorNames.LayerPart.Value),
        ("attention.dense", BertTensorNames.LayerPart.AttentionOutput),
        ("attention.LayerNorm", BertTensorNames.LayerPart.AttentionLayerNorm),
        ("ffn_output", BertTensorNames.LayerPart.Output),
        ("ffn", BertTensorNames.LayerPart.Intermediate),
        ("full_layer_layer_norm", BertTensorNames.LayerPart.OutputLayerNorm),
    ];

    public override IReadOnlyList<string> ModelTypes => ["albert"];

    public override BertConfig ReadConfig(ConfigJson json)
    {
        var layers = json.OptionalInt("num_hidden_layers") ?? 12;
        var groups = json.OptionalInt("num_hidden_groups") ?? 1;
        var inner = json.OptionalInt("inner_group_num") ?? 1;
        if (layers <= 0 || groups <= 0 || inner <= 0 || layers % groups != 0)
            throw new ModelFormatException(json.Path, $"num_hidden_layers {layers}, num_hidden_groups {groups}, inner_group_num {inner}: " +
                                                      "expected positive numbers with the layers a multiple of the groups.");
        var schedule = new List<int>();
        for (var i = 0; i < layers; i++)
            for (var j = 0; j < inner; j++)
                schedule.Add(i / (layers / groups) * inner + j);
        return new BertConfig(
            VocabSize: json.OptionalInt("vocab_size") ?? 30000,
            HiddenSize: json.OptionalInt("hidden_size") ?? 4096,
            NumLayers: groups * inner,
            NumHeads: json.OptionalInt("num_attention_heads") ?? 64,
            IntermediateSize: json.OptionalInt("intermediate_size") ?? 16384,
            MaxPositionEmbeddings: json.OptionalInt("max_position_embeddings") ?? 512,
            TypeVocabSize: json.OptionalInt("type_vocab_size") ?? 2,
            LayerNormEps: json.OptionalFloat("layer_norm_eps") ?? 1e-12f,
            HiddenAct: json.OptionalString("hidden_act") ?? "gelu_new",
            Family: ModelFamily.Albert,
            EmbeddingSize: json.OptionalInt("embedding_size") ?? 128,
            HasEmbeddingProjection: true,
            LayerSchedule: schedule);
    }

    public override string Canonical(string stored, ConfigJson json)
    {
        var name = WithoutPrefix(stored, "albert.");
        const string mapping = "encoder.embedding_hidden_mapping_in.";
        if (name.StartsWith(mapping, StringComparison.Ordinal))
            return BertTensorNames.EmbeddingsProjection + "." + name[mapping.Length..];
        // encoder.albert_layer_groups.G.albert_layers.J.<part>
        var parts = name.Split('.');
        if (parts.Length < 6 || parts[0] != "encoder" || parts[1] != "albert_layer_groups" || parts[3] != "albert_layers"
            || !int.TryParse(parts[2], out var group) || !int.TryParse(parts[4], out var layer))
            return name;
        var inGroup = json.OptionalInt("inner_group_num") ?? 1;
        var rest = string.Join('.', parts[5..]);
        foreach (var (theirs, ours) in LayerParts)
            if (rest.StartsWith(theirs + ".", StringComparison.Ordinal))
                return BertTensorNames.Layer(group * inGroup + layer) + ours + rest[theirs.Length..];
        return name;
    }
}
