using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// An open <c>.qbert</c> file (<see cref="QbertWriter"/> writes them). Opening reads and checks the header only; each
/// tensor is read straight from the file into its own array when asked for (never the whole file into memory), and its
/// SHA-256 checked then, so a tensor that reads without error is the one that was written. Anything wrong with the
/// file, at open or at read, is a <see cref="QbertFormatException"/> naming the file and, where it is one tensor's, the tensor.
/// </summary>
public sealed class QbertFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, QbertEntry> _byName;

    private QbertFile(string path, SafeFileHandle handle, long dataStart, QbertHeader header)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        FormatVersion = header.Version;
        Metadata = header.Metadata;
        Tensors = header.Entries;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path, for messages.</summary>
    public string Path { get; }

    /// <summary>The container's format version (1).</summary>
    public int FormatVersion { get; }

    /// <summary>
    /// The metadata entries as the writer set them (strings are JSON strings); every string in them is valid Unicode. What
    /// they mean is the caller's: this library stores them and knows nothing of BERT.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> Metadata { get; }

    /// <summary>The tensors in the order the header lists them.</summary>
    public IReadOnlyList<QbertEntry> Tensors { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header: length, SHA-256, JSON, fields, and that the tensors tile the data.</summary>
    /// <exception cref="QbertFormatException">The file is missing, unreadable, truncated or malformed.</exception>
    public static QbertFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new QbertFormatException(path, null, $"the file cannot be opened ({e.Message}); check the path", e);
        }
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < QbertLayout.LengthBytes)
                throw new QbertFormatException(path, null, $"the file is {length} bytes, too short for the 8-byte header length: it is truncated or not a .qbert file; {QbertLayout.Recreate}");
            Span<byte> prefix = stackalloc byte[QbertLayout.LengthBytes];
            ReadAt(handle, path, null, 0, prefix, "the header length");
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength == 0 || headerLength > QbertLayout.MaxHeaderBytes)
                throw new QbertFormatException(path, null, $"the header length is {headerLength} bytes, outside 1..{QbertLayout.MaxHeaderBytes}: this is not a .qbert file, or its first bytes are damaged; {QbertLayout.Recreate}");
            var dataStart = QbertLayout.LengthBytes + (long)headerLength + QbertLayout.HashBytes;
            if (dataStart > length)
                throw new QbertFormatException(path, null, $"the header length is {headerLength} bytes, but with its length and SHA-256 that reaches byte {dataStart} of a {length}-byte file: it is truncated; {QbertLayout.Recreate}");
            var header = new byte[headerLength];
            ReadAt(handle, path, null, QbertLayout.LengthBytes, header, "the header");
            Span<byte> stored = stackalloc byte[QbertLayout.HashBytes];
            ReadAt(handle, path, null, QbertLayout.LengthBytes + (long)headerLength, stored, "the header's SHA-256");
            if (!SHA256.HashData(header).AsSpan().SequenceEqual(stored))
                throw new QbertFormatException(path, null, $"the header's SHA-256 does not match: the header is damaged, or this is not a .qbert file (a .safetensors file has no header hash); {QbertLayout.Recreate}");
            return new QbertFile(path, handle, dataStart, QbertHeader.Parse(header, path, length - dataStart));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public QbertEntry? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>An F32 tensor's values, row-major (its shape is <see cref="QbertEntry.Shape"/>).</summary>
    /// <exception cref="QbertFormatException">No such tensor, another dtype, a short read, or a SHA-256 mismatch.</exception>
    public float[] ReadFloat(string name)
    {
        var entry = Require(name, QbertDtype.F32);
        var values = new float[entry.ElementCount];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        ReadAt(_handle, Path, name, _dataStart + entry.Begin, bytes, "its values");
        Verify(entry, bytes, []);
        return values;
    }

    /// <summary>An I8 tensor with its row scales.</summary>
    /// <exception cref="QbertFormatException">No such tensor, another dtype, a short read, a SHA-256 mismatch, or codes and scales that are no symmetric int8 (a −128, a scale that is not positive and finite).</exception>
    public Int8Matrix ReadInt8(string name)
    {
        var entry = Require(name, QbertDtype.I8);
        var values = new sbyte[entry.ElementCount];
        var scales = new float[entry.Shape[0]];
        var valueBytes = MemoryMarshal.AsBytes(values.AsSpan());
        var scaleBytes = MemoryMarshal.AsBytes(scales.AsSpan());
        ReadAt(_handle, Path, name, _dataStart + entry.Begin, valueBytes, "its values");
        ReadAt(_handle, Path, name, _dataStart + entry.ScaleBegin, scaleBytes, "its scales");
        Verify(entry, valueBytes, scaleBytes);
        if (Int8Matrix.FindViolation(values, scales, entry.Shape[0], entry.Shape[1]) is { } problem)
            throw new QbertFormatException(Path, name, $"{problem}; the file was not written by Bert.Gpu: {QbertLayout.Recreate}");
        return new Int8Matrix(values, scales, entry.Shape[0], entry.Shape[1]);
    }

    /// <summary>A U8 entry's bytes.</summary>
    /// <exception cref="QbertFormatException">No such entry, another dtype, a short read, or a SHA-256 mismatch.</exception>
    public byte[] ReadBytes(string name)
    {
        var entry = Require(name, QbertDtype.U8);
        var bytes = new byte[entry.ElementCount];
        ReadAt(_handle, Path, name, _dataStart + entry.Begin, bytes, "its values");
        Verify(entry, bytes, []);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private QbertEntry Require(string name, QbertDtype dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_byName.TryGetValue(name, out var entry))
            throw new QbertFormatException(Path, name, $"the file has no such tensor; it was quantized from another model or by another version: quantize the model again");
        if (entry.Dtype != dtype)
            throw new QbertFormatException(Path, name, $"the tensor is {entry.Dtype}, not {dtype}; it was quantized from another model or by another version: quantize the model again");
        return entry;
    }

    private void Verify(QbertEntry entry, ReadOnlySpan<byte> values, ReadOnlySpan<byte> scales)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(values);
        hash.AppendData(scales);
        Span<byte> actual = stackalloc byte[QbertLayout.HashBytes];
        hash.GetHashAndReset(actual);
        if (!actual.SequenceEqual(entry.Sha256))
            throw new QbertFormatException(Path, entry.Name, $"its SHA-256 does not match: the tensor's bytes are damaged; {QbertLayout.Recreate}");
    }

    private static void ReadAt(SafeFileHandle handle, string path, string? tensor, long offset, Span<byte> destination, string what)
    {
        try
        {
            while (destination.Length > 0)
            {
                var read = RandomAccess.Read(handle, destination, offset);
                if (read == 0)
                    throw new QbertFormatException(path, tensor, $"the file ends at byte {offset}, inside {what}: it was truncated after it was opened; {QbertLayout.Recreate}");
                destination = destination[read..];
                offset += read;
            }
        }
        catch (IOException e)
        {
            throw new QbertFormatException(path, tensor, $"reading {what} failed ({e.Message}); check the disk and {QbertLayout.Recreate}", e);
        }
    }
}
