using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>Reads a HuggingFace <c>config.json</c> into a <see cref="BertConfig"/>.</summary>
internal static class HuggingFaceConfigReader
{
    /// <summary>Parses and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Bad JSON, a missing or non-integer field, or a model type other than BERT.</exception>
    public static BertConfig Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, "the JSON is not an object.");
            ModelJson.RequireValidText(root, path);
            var modelType = root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null;
            // Only model_type "bert" shares BERT's tensor layout and position numbering; RoBERTa-style models offset positions and are not handled.
            if (modelType != "bert")
                throw new ModelFormatException(path, $"model_type is '{modelType ?? "(missing)"}'; only 'bert' encoders (BERT, MiniLM, BGE, E5, arctic-embed, ...) are supported.");

            // HuggingFace's BertConfig defaults for the fields a config may leave out.
            var config = new BertConfig(
                VocabSize: RequiredInt(path, root, "vocab_size"),
                HiddenSize: RequiredInt(path, root, "hidden_size"),
                NumLayers: RequiredInt(path, root, "num_hidden_layers"),
                NumHeads: RequiredInt(path, root, "num_attention_heads"),
                IntermediateSize: RequiredInt(path, root, "intermediate_size"),
                MaxPositionEmbeddings: OptionalInt(path, root, "max_position_embeddings") ?? 512,
                TypeVocabSize: OptionalInt(path, root, "type_vocab_size") ?? 2,
                LayerNormEps: OptionalFloat(path, root, "layer_norm_eps") ?? 1e-12f,
                HiddenAct: OptionalString(path, root, "hidden_act") ?? "gelu");
            config.Validate(path);
            return config;
        }
    }

    private static int RequiredInt(string path, JsonElement root, string key) =>
        OptionalInt(path, root, key) ?? throw new ModelFormatException(path, $"'{key}' is missing.");

    private static int? OptionalInt(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n))
            return n;
        // An integer that does not fit (1000000000000) is out of range, not "not an integer".
        var tooLarge = value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && d == decimal.Truncate(d);
        throw new ModelFormatException(path, tooLarge
            ? $"'{key}' is {value.GetRawText()}, out of range (at most {int.MaxValue}); check the value."
            : $"'{key}' is {value.GetRawText()}, not an integer.");
    }

    private static float? OptionalFloat(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number
            ? (float)value.GetDouble()
            : throw new ModelFormatException(path, $"'{key}' is {value.GetRawText()}, not a number.");
    }

    private static string? OptionalString(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ModelFormatException(path, $"'{key}' is {value.GetRawText()}, not a string.");
    }
}
