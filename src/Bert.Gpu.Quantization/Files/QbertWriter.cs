using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// Collects tensors and metadata, then writes a <c>.qbert</c> file (read back with <see cref="QbertFile"/>): the header
/// length (8 bytes, little-endian), the JSON header, its SHA-256 (32 bytes), then each tensor's bytes in the order added
/// (an I8 tensor's row scales right after its codes), with no padding. The same content always gives the same bytes.
/// </summary>
/// <remarks>The arrays given are kept, not copied, and read by <see cref="Write"/>: leave them unchanged until then.</remarks>
public sealed class QbertWriter
{
    private readonly List<(string Name, QbertDtype Dtype, int[] Shape, byte[]? Bytes, float[]? Floats, Int8Matrix? Int8)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly JsonObject _metadata = [];

    /// <summary>Sets metadata entry <paramref name="key"/> to a string.</summary>
    /// <exception cref="ArgumentException">The key or the value is not valid UTF-16 (a lone surrogate).</exception>
    public void SetMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        SetMetadata(key, JsonValue.Create(value));
    }

    /// <summary>Sets metadata entry <paramref name="key"/> to any JSON value (copied now).</summary>
    /// <exception cref="ArgumentException">The key or a string in the value is not valid UTF-16 (a lone surrogate).</exception>
    public void SetMetadata(string key, JsonNode value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        RequireValidText(key, $"metadata key '{key}'");
        RequireValidText(value, $"metadata entry '{key}'");
        _metadata[key] = value.DeepClone();
    }

    /// <summary>Adds an F32 tensor of <paramref name="shape"/> (row-major; a scalar has shape []).</summary>
    /// <exception cref="ArgumentException">The name is empty, taken or not valid UTF-16, or the shape does not hold <c>values.Length</c> elements.</exception>
    public void AddFloat(string name, float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        // The product in double: in a long, four dimensions of 65536 would wrap to 0 and pass for an empty tensor.
        if (shape.Any(d => d < 0) || shape.Aggregate(1.0, (n, d) => n * d) != values.Length)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] does not hold {values.Length} values.", nameof(shape));
        Add(name, QbertDtype.F32, [.. shape], null, values, null);
    }

    /// <summary>Adds an int8 weight with its row scales.</summary>
    /// <exception cref="ArgumentException">The name is empty, taken or not valid UTF-16.</exception>
    public void AddInt8(string name, Int8Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        Add(name, QbertDtype.I8, [matrix.Rows, matrix.Columns], null, null, matrix);
    }

    /// <summary>Adds opaque bytes (a file that travels with the model).</summary>
    /// <exception cref="ArgumentException">The name is empty, taken or not valid UTF-16.</exception>
    public void AddBytes(string name, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Add(name, QbertDtype.U8, [bytes.Length], bytes, null, null);
    }

    /// <summary>
    /// Writes the file to <paramref name="path"/>, replacing any file there: into a temporary file beside it, flushed to
    /// disk, then renamed, so a failure or a crash never leaves a partial file under that name.
    /// </summary>
    /// <exception cref="ArgumentException">Metadata holds a number JSON cannot write (NaN, infinity), or an int8 matrix was changed into an invalid one after it was built.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var t in _tensors)
            if (t.Int8 is { } m && Int8Matrix.FindViolation(m.Values, m.Scales, m.Rows, m.Columns) is { } problem)
                throw new ArgumentException($"tensor '{t.Name}': {problem} (the matrix was changed after it was built).");
        var (header, dataLength) = BuildHeader();
        try
        {
            // The reader's own checks on what is about to be written: this writer never writes a file its reader refuses.
            QbertHeader.Parse(header, path, dataLength);
        }
        catch (QbertFormatException e)
        {
            throw new ArgumentException($"the header would not read back: {e.Message}", e);
        }
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[QbertLayout.LengthBytes];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                stream.Write(SHA256.HashData(header));
                foreach (var t in _tensors)
                {
                    stream.Write(Values(t));
                    if (t.Int8 is { } m)
                        stream.Write(MemoryMarshal.AsBytes(m.Scales.AsSpan()));
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private void Add(string name, QbertDtype dtype, int[] shape, byte[]? bytes, float[]? floats, Int8Matrix? int8)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RequireValidText(name, $"tensor name '{name}'");
        if (!_names.Add(name))
            throw new ArgumentException($"tensor '{name}' was added twice.", nameof(name));
        _tensors.Add((name, dtype, shape, bytes, floats, int8));
    }

    // Utf8JsonWriter would write a lone surrogate as U+FFFD without a word: the name or text read back would differ.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void RequireValidText(string text, string what)
    {
        try
        {
            StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"{what} holds a lone surrogate at index {e.Index}, which UTF-8 cannot encode.", e);
        }
    }

    private static void RequireValidText(JsonNode? node, string what)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    RequireValidText(key, what);
                    RequireValidText(value, what);
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                    RequireValidText(item, what);
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                RequireValidText(text, what);
                break;
        }
    }

    private static ReadOnlySpan<byte> Values((string Name, QbertDtype Dtype, int[] Shape, byte[]? Bytes, float[]? Floats, Int8Matrix? Int8) t) =>
        t.Dtype switch
        {
            QbertDtype.F32 => MemoryMarshal.AsBytes(t.Floats.AsSpan()),
            QbertDtype.I8 => MemoryMarshal.AsBytes(t.Int8!.Values.AsSpan()),
            _ => t.Bytes,
        };

    private (byte[] Header, long DataLength) BuildHeader()
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps non-ASCII names and vocabularies readable in the header; quotes and controls are still escaped.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", QbertLayout.FormatName);
            json.WriteNumber("format_version", QbertLayout.FormatVersion);
            json.WritePropertyName("metadata");
            _metadata.WriteTo(json);
            json.WriteStartObject("tensors");
            long offset = 0;
            foreach (var t in _tensors)
            {
                var values = Values(t);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                hash.AppendData(values);
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Dtype.ToString());
                json.WriteStartArray("shape");
                foreach (var d in t.Shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                WriteOffsets(json, "data_offsets", offset, values.Length);
                offset += values.Length;
                if (t.Int8 is { } m)
                {
                    var scales = MemoryMarshal.AsBytes(m.Scales.AsSpan());
                    hash.AppendData(scales);
                    WriteOffsets(json, "scale_offsets", offset, scales.Length);
                    offset += scales.Length;
                }
                json.WriteString("sha256", Convert.ToHexStringLower(hash.GetHashAndReset()));
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            return (buffer.ToArray(), offset);
        }
    }

    private static void WriteOffsets(Utf8JsonWriter json, string name, long begin, long length)
    {
        json.WriteStartArray(name);
        json.WriteNumberValue(begin);
        json.WriteNumberValue(begin + length);
        json.WriteEndArray();
    }
}
