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
}
