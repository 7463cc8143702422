using System.Text.Json;

namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// Parses and checks a <c>.qbert</c> header: <c>{"format": "qbert", "format_version": 1, "metadata": {…}, "tensors":
/// {NAME: {"dtype", "shape", "data_offsets", ["scale_offsets",] "sha256"}}}</c>, and that the tensors' byte ranges tile
/// the data section exactly. Every problem is a <see cref="QbertFormatException"/>.
/// </summary>
internal sealed class QbertHeader
{
    private static readonly string[] TopFields = ["format", "format_version", "metadata", "tensors"];
    private static readonly string[] TensorFields = ["dtype", "shape", "data_offsets", "scale_offsets", "sha256"];

    private QbertHeader(int version, Dictionary<string, JsonElement> metadata, List<QbertEntry> entries)
    {
        Version = version;
        Metadata = metadata;
        Entries = entries;
    }

    public int Version { get; }

    /// <summary>The metadata entries, each cloned out of the parsed document.</summary>
    public Dictionary<string, JsonElement> Metadata { get; }

    /// <summary>The tensors in header order.</summary>
    public List<QbertEntry> Entries { get; }

    public static QbertHeader Parse(ReadOnlySpan<byte> json, string path, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new QbertFormatException(path, null, $"the header is not valid JSON ({e.Message}); {QbertLayout.Recreate}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new QbertFormatException(path, null, $"the header is a JSON {Kind(root)}, not an object; {QbertLayout.Recreate}");
            if (JsonText.FindUndecodable(root, "header", "header.") is var (what, error))
                throw new QbertFormatException(path, null, $"{what} is not valid UTF-8 or holds a lone surrogate; {QbertLayout.Recreate}", error);
            var fields = Fields(root, path, null, "the header", TopFields);
            var version = ReadVersion(fields, path);
            var metadata = Require(fields, "metadata", JsonValueKind.Object, path, null, "the header");
            var tensors = Require(fields, "tensors", JsonValueKind.Object, path, null, "the header");
            var entries = new List<QbertEntry>();
            foreach (var (name, value) in Fields(tensors, path, null, "\"tensors\"", null))
            {
                if (name.Length == 0)
                    throw new QbertFormatException(path, null, $"a tensor has an empty name; {QbertLayout.Recreate}");
                entries.Add(ParseEntry(name, value, path));
            }
            CheckRanges(entries, dataLength, path);
            var meta = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var (key, value) in Fields(metadata, path, null, "\"metadata\"", null))
                meta[key] = value.Clone();
            return new QbertHeader(version, meta, entries);
        }
    }

    private static int ReadVersion(Dictionary<string, JsonElement> fields, string path)
    {
        var format = Require(fields, "format", JsonValueKind.String, path, null, "the header");
        if (format.GetString() != QbertLayout.FormatName)
            throw new QbertFormatException(path, null, $"\"format\" is \"{format.GetString()}\", not \"{QbertLayout.FormatName}\": this is not a .qbert file; give the path of one written by Bert.Gpu");
        var version = Require(fields, "format_version", JsonValueKind.Number, path, null, "the header");
        if (!version.TryGetInt32(out var v) || v < 1)
            throw new QbertFormatException(path, null, $"\"format_version\" is {version.GetRawText()}, not a version number; {QbertLayout.Recreate}");
        if (v > QbertLayout.FormatVersion)
            throw new QbertFormatException(path, null, $"the file has format version {v} and this Bert.Gpu reads only version {QbertLayout.FormatVersion}; upgrade Bert.Gpu, or quantize the model again with this one");
        return v;
    }

    private static QbertEntry ParseEntry(string name, JsonElement value, string path)
    {
        QbertFormatException Bad(string what) => new(path, name, $"{what}; {QbertLayout.Recreate}");
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"the header entry is a JSON {Kind(value)}, not an object");
        var fields = Fields(value, path, name, "the header entry", TensorFields);
        var dtypeText = Require(fields, "dtype", JsonValueKind.String, path, name, "the header entry").GetString();
        var dtype = dtypeText switch
        {
            "F32" => QbertDtype.F32,
            "I8" => QbertDtype.I8,
            "U8" => QbertDtype.U8,
            _ => throw Bad($"dtype \"{dtypeText}\" is not one of F32, I8, U8"),
        };
        var shapeJson = Require(fields, "shape", JsonValueKind.Array, path, name, "the header entry");
        var shape = new int[shapeJson.GetArrayLength()];
        var index = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[index]) || shape[index] < 0)
                throw Bad($"shape dimension {index} is {d.GetRawText()}, not a non-negative integer");
            index++;
        }
        var wantRank = dtype switch { QbertDtype.I8 => 2, QbertDtype.U8 => 1, _ => -1 };
        if (wantRank >= 0 && shape.Length != wantRank)
            throw Bad($"{dtype} tensors have rank {wantRank}, but the shape is [{string.Join(", ", shape)}]");
        // In double, exact for any product that passes the bound, and free of the wrap-around that made four dimensions
        // of 65536 a zero-element tensor in the safetensors reader.
        var product = shape.Aggregate(1.0, (n, d) => n * d);
        if (product > QbertLayout.MaxElements)
            throw Bad($"shape [{string.Join(", ", shape)}] has more than {QbertLayout.MaxElements} elements, more than one tensor can hold");
        var elements = (long)product;
        var (begin, end) = Offsets(fields, "data_offsets", path, name);
        if (end - begin != elements * QbertLayout.ElementSize(dtype))
            throw Bad($"data_offsets [{begin}, {end}] hold {end - begin} bytes, but shape [{string.Join(", ", shape)}] of {dtype} needs {elements * QbertLayout.ElementSize(dtype)}");
        long scaleBegin = 0, scaleEnd = 0;
        if (dtype == QbertDtype.I8)
        {
            if (!fields.ContainsKey("scale_offsets"))
                throw Bad("an I8 tensor has no \"scale_offsets\" for its row scales");
            (scaleBegin, scaleEnd) = Offsets(fields, "scale_offsets", path, name);
            if (scaleEnd - scaleBegin != (long)shape[0] * sizeof(float))
                throw Bad($"scale_offsets [{scaleBegin}, {scaleEnd}] hold {scaleEnd - scaleBegin} bytes, but {shape[0]} rows need {shape[0] * sizeof(float)} of F32 scales");
        }
        else if (fields.ContainsKey("scale_offsets"))
            throw Bad($"the tensor is {dtype} and has \"scale_offsets\", which only I8 tensors have");
        var hash = Require(fields, "sha256", JsonValueKind.String, path, name, "the header entry").GetString()!;
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
            throw Bad($"\"sha256\" is \"{hash}\", not 64 lowercase hex digits");
        return new QbertEntry(name, dtype, shape, elements, begin, end, scaleBegin, scaleEnd, Convert.FromHexString(hash));
    }

    private static (long Begin, long End) Offsets(Dictionary<string, JsonElement> fields, string field, string path, string name)
    {
        var offsets = Require(fields, field, JsonValueKind.Array, path, name, "the header entry");
        // TryGetInt64 throws InvalidOperationException on anything but a number, so the kinds are checked first.
        if (offsets.GetArrayLength() != 2 || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new QbertFormatException(path, name, $"{field} is {offsets.GetRawText()}, not two increasing non-negative integers; {QbertLayout.Recreate}");
        return (begin, end);
    }

    /// <summary>Every byte of the data belongs to exactly one tensor's values or scales: no range past the end, no overlap, no gap.</summary>
    private static void CheckRanges(List<QbertEntry> entries, long dataLength, string path)
    {
        var ranges = new List<(long Begin, long End, string Name, string What)>();
        foreach (var e in entries)
        {
            ranges.Add((e.Begin, e.End, e.Name, "values"));
            if (e.Dtype == QbertDtype.I8)
                ranges.Add((e.ScaleBegin, e.ScaleEnd, e.Name, "scales"));
        }
        foreach (var r in ranges)
            if (r.End > dataLength)
                throw new QbertFormatException(path, r.Name, $"its {r.What} end at byte {r.End} of the data section, but the file holds only {dataLength} bytes of data: it is truncated; {QbertLayout.Recreate}");
        ranges.RemoveAll(r => r.End == r.Begin);
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long reached = 0;
        var previous = "";
        foreach (var r in ranges)
        {
            if (r.Begin < reached)
                throw new QbertFormatException(path, r.Name, $"its {r.What} (bytes {r.Begin}..{r.End}) overlap tensor '{previous}' (up to byte {reached}); {QbertLayout.Recreate}");
            if (r.Begin > reached)
                throw new QbertFormatException(path, null, $"bytes {reached}..{r.Begin} of the data section belong to no tensor; {QbertLayout.Recreate}");
            reached = r.End;
            previous = r.Name;
        }
        if (reached != dataLength)
            throw new QbertFormatException(path, null, $"the data section has {dataLength - reached} bytes after the last tensor (byte {reached} of {dataLength}); {QbertLayout.Recreate}");
    }

    /// <summary>An object's properties by name: each at most once, and (when <paramref name="known"/> is given) only known ones.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement element, string path, string? tensor, string where, string[]? known)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (known is not null && !known.Contains(property.Name))
                throw new QbertFormatException(path, tensor, $"{where} has an unknown field \"{property.Name}\" (expected {string.Join(", ", known)}); {QbertLayout.Recreate}");
            if (!fields.TryAdd(property.Name, property.Value))
                throw new QbertFormatException(path, tensor, $"{where} has \"{property.Name}\" twice; {QbertLayout.Recreate}");
        }
        return fields;
    }

    private static JsonElement Require(Dictionary<string, JsonElement> fields, string field, JsonValueKind kind, string path, string? tensor, string where)
    {
        if (!fields.TryGetValue(field, out var value))
            throw new QbertFormatException(path, tensor, $"{where} has no \"{field}\"; {QbertLayout.Recreate}");
        if (value.ValueKind != kind)
            throw new QbertFormatException(path, tensor, $"\"{field}\" in {where} is a JSON {Kind(value)}, not {kind.ToString().ToLowerInvariant()}; {QbertLayout.Recreate}");
        return value;
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
