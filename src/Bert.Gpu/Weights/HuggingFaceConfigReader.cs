using System.Text.Json;
using Bert.Gpu.Families;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>A <c>config.json</c> read by its family: the configuration and how the family names its tensors.</summary>
/// <param name="Family">The family of the config's <c>model_type</c>.</param>
/// <param name="Config">The configuration, validated.</param>
/// <param name="Json">The config itself, for the family's tensor names.</param>
internal sealed record HuggingFaceConfig(EncoderFamily Family, BertConfig Config, ConfigJson Json)
{
    /// <summary>The canonical name of a stored tensor (<see cref="EncoderFamily.Canonical"/>).</summary>
    public string Canonical(string stored) => Family.Canonical(stored, Json);
}

/// <summary>Reads a HuggingFace <c>config.json</c> with the rules of its <c>model_type</c>'s family.</summary>
internal static class HuggingFaceConfigReader
{
    /// <summary>Parses and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Bad JSON, a missing or non-integer field, or a model type no family reads.</exception>
    public static HuggingFaceConfig Read(string path)
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
            var json = new ConfigJson(root.Clone(), path);
            var family = EncoderFamilies.For(json.OptionalString("model_type"), path);
            // relative_key / relative_key_query add learned distance embeddings inside attention: other math, refused.
            if (json.OptionalString("position_embedding_type") is { } positions and not "absolute")
                throw new ModelFormatException(path, $"position_embedding_type is '{positions}'; only absolute position embeddings are supported.");
            var config = family.ReadConfig(json);
            config.Validate(path);
            return new HuggingFaceConfig(family, config, json);
        }
    }
}
