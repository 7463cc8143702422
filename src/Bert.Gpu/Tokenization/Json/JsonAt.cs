using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>A value of a tokenizer.json with its JSON path (<c>pre_tokenizer.pretokenizers[1]</c>), so every error names the file, the place and the value.</summary>
internal readonly struct JsonAt(JsonElement element, string path, string file)
{
    /// <summary>The value.</summary>
    public JsonElement Element { get; } = element;

    /// <summary>Where it is, as a JSON path from the root.</summary>
    public string Path { get; } = path;

    /// <summary>The file it was read from.</summary>
    public string File { get; } = file;

    /// <summary>The property <paramref name="name"/>, or null if absent or JSON null.</summary>
    public JsonAt? Get(string name)
    {
        RequireKind(JsonValueKind.Object, "an object");
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? new JsonAt(value, Child(name), File) : null;
    }

    /// <summary>The property <paramref name="name"/>, which must be present.</summary>
    public JsonAt Require(string name) => Get(name) ?? throw Error($"has no \"{name}\" (or it is null).");

    /// <summary>The items of this array.</summary>
    public IEnumerable<JsonAt> Items()
    {
        RequireKind(JsonValueKind.Array, "an array");
        var i = 0;
        foreach (var item in Element.EnumerateArray()) yield return new JsonAt(item, $"{Path}[{i++}]", File);
    }

    /// <summary>The properties of this object.</summary>
    public IEnumerable<(string Name, JsonAt Value)> Properties()
    {
        RequireKind(JsonValueKind.Object, "an object");
        foreach (var p in Element.EnumerateObject()) yield return (p.Name, new JsonAt(p.Value, $"{Path}[\"{p.Name}\"]", File));
    }

    /// <summary>This value as a string.</summary>
    public string AsString()
    {
        RequireKind(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    /// <summary>This value as a non-negative 32-bit integer.</summary>
    public int AsIndex() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var v) && v >= 0 ? v : throw Error("is not a non-negative integer.");

    /// <summary>This value as a number.</summary>
    public double AsDouble() => Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out var v) && double.IsFinite(v) ? v : throw Error("is not a finite number.");

    /// <summary>This value as true or false.</summary>
    public bool AsBool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error("is not true or false."),
    };

    /// <summary>The string property <paramref name="name"/>, or null.</summary>
    public string? String(string name) => Get(name)?.AsString();

    /// <summary>The boolean property <paramref name="name"/>, or <paramref name="fallback"/> when absent or null (HF's serde default).</summary>
    public bool Bool(string name, bool fallback) => Get(name)?.AsBool() ?? fallback;

    /// <summary>The integer property <paramref name="name"/>, or null.</summary>
    public int? Index(string name) => Get(name)?.AsIndex();

    /// <summary>This object's <c>type</c>.</summary>
    public string Type() => Require("type").AsString();

    /// <summary>An error about this value.</summary>
    public ModelFormatException Error(string problem) => new(File, $"{(Path.Length == 0 ? "the root" : Path)} {problem}");

    /// <summary>The error for a component type this code does not implement.</summary>
    public ModelFormatException Unsupported(string kind, string supported) =>
        new(File, $"{Child("type")} is \"{Type()}\", a {kind} this tokenizer does not support; supported: {supported}.");

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private void RequireKind(JsonValueKind kind, string what)
    {
        if (Element.ValueKind != kind)
            throw Error($"is {Element.ValueKind.ToString().ToLowerInvariant()}, expected {what}.");
    }
}
