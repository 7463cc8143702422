using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>A <c>config.json</c>'s root object with typed reads whose errors name the file and the key.</summary>
internal readonly struct ConfigJson(JsonElement root, string path)
{
    /// <summary>The file, for messages.</summary>
    public string Path => path;

    public int RequiredInt(string key) =>
        OptionalInt(key) ?? throw new ModelFormatException(path, $"'{key}' is missing.");

    public int? OptionalInt(string key)
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

    public float? OptionalFloat(string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number
            ? (float)value.GetDouble()
            : throw new ModelFormatException(path, $"'{key}' is {value.GetRawText()}, not a number.");
    }

    public string? OptionalString(string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ModelFormatException(path, $"'{key}' is {value.GetRawText()}, not a string.");
    }

    public bool? OptionalBool(string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new ModelFormatException(path, $"'{key}' is {value.GetRawText()}, not true or false.");
    }

    /// <summary>The first of <c>architectures</c> (e.g. <c>BertForSequenceClassification</c>), or null.</summary>
    public string? Architecture()
    {
        if (!root.TryGetProperty("architectures", out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            return null;
        var first = value[0];
        return first.ValueKind == JsonValueKind.String
            ? first.GetString()
            : throw new ModelFormatException(path, $"'architectures' holds {first.GetRawText()}, not a class name.");
    }

    /// <summary>
    /// The label names by id: <c>id2label</c> if present (every id from 0 up, none missing), else <c>num_labels</c> (or
    /// <paramref name="defaultCount"/>) names LABEL_0, LABEL_1, …, as transformers' <c>PretrainedConfig</c> does.
    /// </summary>
    public IReadOnlyList<string> Labels(int defaultCount)
    {
        if (root.TryGetProperty("id2label", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            var labels = new SortedDictionary<int, string>();
            foreach (var p in map.EnumerateObject())
            {
                if (!int.TryParse(p.Name, out var id) || id < 0 || p.Value.ValueKind != JsonValueKind.String)
                    throw new ModelFormatException(path, $"id2label[\"{p.Name}\"] = {p.Value.GetRawText()}: expected a label name under a non-negative id.");
                labels[id] = p.Value.GetString()!;
            }
            if (labels.Count > 0 && labels.Keys.Last() != labels.Count - 1)
                throw new ModelFormatException(path, $"id2label has {labels.Count} labels but ids up to {labels.Keys.Last()}; every id from 0 must have a label.");
            if (labels.Count > 0)
                return [.. labels.Values];
        }
        var count = OptionalInt("num_labels") ?? defaultCount;
        return [.. Enumerable.Range(0, count).Select(i => $"LABEL_{i}")];
    }
}
