using System.Buffers.Binary;
using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Safetensors;

/// <summary>
/// A memory-mapped <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets}}</c> (plus optional <c>__metadata__</c>), then the tensor bytes.
/// Every entry's byte range is checked when the file is opened; data is converted only when read.
/// </summary>
internal sealed class SafetensorsFile : IDisposable
{
    // The reference implementation refuses headers above 100 MB; the same bound keeps a corrupt length from allocating gigabytes.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly MappedFile _file;
    private readonly long _dataStart;

    private SafetensorsFile(MappedFile file, long dataStart, IReadOnlyList<SafetensorsEntry> entries)
    {
        _file = file;
        _dataStart = dataStart;
        Entries = entries;
    }

    /// <summary>Path of the file, for messages.</summary>
    public string Path => _file.Path;

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Maps <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="ModelFormatException">Truncated file, malformed header, or inconsistent byte ranges.</exception>
    public static SafetensorsFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            if (file.Length < 8)
                throw new ModelFormatException(path, $"the file is truncated: {file.Length} bytes, too short for the 8-byte header length.");
            var headerLength = BinaryPrimitives.ReadInt64LittleEndian(file.Slice(0, 8));
            if (headerLength <= 0 || headerLength > MaxHeaderBytes)
                throw new ModelFormatException(path, $"the header length is {headerLength} bytes, which is impossible; this is not a safetensors file.");
            if (8 + headerLength > file.Length)
                throw new ModelFormatException(path, $"the file is truncated: the header needs {headerLength} bytes but only {file.Length - 8} follow; download it again.");
            var entries = ParseHeader(path, file.Slice(8, (int)headerLength));
            var dataLength = file.Length - 8 - headerLength;
            CheckRanges(path, entries, dataLength);
            return new SafetensorsFile(file, 8 + headerLength, entries);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="entry"/> as fp32, widening F16 and BF16.</summary>
    /// <exception cref="ModelFormatException">The dtype is not F32, F16 or BF16.</exception>
    public FloatTensor ReadFloat(SafetensorsEntry entry)
    {
        if (!SafetensorsDtypes.IsFloat(entry.Dtype))
            throw new ModelFormatException(Path, $"tensor '{entry.Name}' has dtype {entry.Dtype}; only F32, F16 and BF16 weights can be loaded. Convert the checkpoint to one of those.");
        if (entry.End - entry.Begin > int.MaxValue)
            throw new ModelFormatException(Path, $"tensor '{entry.Name}' holds {entry.End - entry.Begin} bytes; tensors over 2 GiB are not supported.");
        var bytes = _file.Slice(_dataStart + entry.Begin, (int)(entry.End - entry.Begin));
        var data = entry.Dtype switch
        {
            "F32" => FloatConversion.FromFloat32(bytes),
            "F16" => FloatConversion.FromFloat16(bytes),
            _ => FloatConversion.FromBFloat16(bytes),
        };
        return new FloatTensor(data, entry.Shape);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static List<SafetensorsEntry> ParseHeader(string path, ReadOnlySpan<byte> header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"the JSON header is malformed ({e.Message}); the file is corrupt or not safetensors.", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, "the JSON header is not an object; the file is corrupt or not safetensors.");
            ModelJson.RequireValidText(document.RootElement, path);
            var entries = new List<SafetensorsEntry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                    continue;
                entries.Add(ParseEntry(path, property));
            }
            return entries;
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property)
    {
        var name = property.Name;
        ModelFormatException Bad(string what) =>
            new(path, $"the header entry for tensor '{name}' is malformed: {what}.");

        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad("not an object");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw Bad("no string 'dtype'");
        if (!value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw Bad("no array 'shape'");
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad("no two-element 'data_offsets'");
        var shape = new int[shapeJson.GetArrayLength()];
        var i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
                throw Bad($"shape dimension {i} is not a non-negative integer");
            i++;
        }
        // The element count (times up to 8 bytes) must fit a long: four dimensions of 65536 would wrap to 0 and pass the
        // byte-size check. 2^56 elements, 256 PiB of F32, is far past any file and far from rounding trouble in a double.
        if (!shape.Contains(0) && shape.Aggregate(1.0, (n, d) => n * d) > 1L << 56)
            throw Bad($"shape [{string.Join(",", shape)}] has more elements than a file can hold");
        // TryGetInt64 throws InvalidOperationException on a string or any other non-number.
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Bad("data_offsets are not two increasing non-negative integers");
        return new SafetensorsEntry(name, dtype.GetString()!, shape, begin, end);
    }

    private static void CheckRanges(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        foreach (var e in entries)
        {
            if (e.End > dataLength)
                throw new ModelFormatException(path, $"the file is truncated: tensor '{e.Name}' ends at byte {e.End} of the data but only {dataLength} bytes of data are present; download it again.");
            if (SafetensorsDtypes.ElementSize(e.Dtype) is { } size && e.End - e.Begin != e.ElementCount * size)
                throw new ModelFormatException(path, $"tensor '{e.Name}' has {e.End - e.Begin} bytes of data but shape {e.ShapeText} of {e.Dtype} needs {e.ElementCount * size}; the header is inconsistent.");
        }
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (var i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new ModelFormatException(path, $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap in the data section; the header is corrupt.");
    }
}
