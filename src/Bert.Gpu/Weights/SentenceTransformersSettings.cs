using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>
/// Pooling and maximum length from a sentence-transformers export (<c>1_Pooling/config.json</c>,
/// <c>sentence_bert_config.json</c>); absent files give mean pooling and no length limit beyond the model's.
/// </summary>
/// <param name="Pooling">Pooling the model was trained with.</param>
/// <param name="MaxLength">Maximum sequence length, or null to use the position-table size.</param>
internal sealed record SentenceTransformersSettings(PoolingMode Pooling, int? MaxLength)
{
    /// <summary>Reads the settings found in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFormatException">A settings file exists but is not valid JSON.</exception>
    public static SentenceTransformersSettings Read(string directory)
    {
        // sentence-transformers' own default when a plain HF model is wrapped without a pooling config.
        var pooling = PoolingMode.Mean;
        var poolingPath = Path.Combine(directory, "1_Pooling", "config.json");
        if (File.Exists(poolingPath))
        {
            using var pooler = Parse(poolingPath);
            if (Flag(pooler.RootElement, "pooling_mode_cls_token"))
                pooling = PoolingMode.Cls;
            else if (Flag(pooler.RootElement, "pooling_mode_max_tokens"))
                pooling = PoolingMode.Max;
        }

        int? maxLength = null;
        var stPath = Path.Combine(directory, "sentence_bert_config.json");
        if (File.Exists(stPath))
        {
            using var st = Parse(stPath);
            if (st.RootElement.ValueKind == JsonValueKind.Object
                && st.RootElement.TryGetProperty("max_seq_length", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var n) && n > 0)
                maxLength = n;
        }
        return new SentenceTransformersSettings(pooling, maxLength);
    }

    private static bool Flag(JsonElement root, string key) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not valid JSON ({e.Message}).", e);
        }
    }
}
