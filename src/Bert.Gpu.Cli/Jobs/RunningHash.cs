using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Bert.Gpu.Cli.Jobs;

/// <summary>
/// A SHA-256 over a stream of texts or of embedding rows, readable at any point (<see cref="Current"/>) while it goes
/// on: what a job manifest records so a resume can prove it continues the same input and the same rows.
/// </summary>
internal sealed class RunningHash : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>The hash of everything appended so far, in hex.</summary>
    public string Current => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>Appends one text: its UTF-8 length, then its bytes, so ["ab", "c"] and ["a", "bc"] differ.</summary>
    public void AppendText(string text)
    {
        Span<byte> length = stackalloc byte[8];
        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
        _hash.AppendData(length);
        _hash.AppendData(bytes);
    }

    /// <summary>Appends rows as their little-endian float32 bytes: the same rows hash the same in every output format.</summary>
    public void AppendRows(ReadOnlySpan<float> rows)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Row hashes are defined over little-endian float bytes.");
        _hash.AppendData(MemoryMarshal.AsBytes(rows));
    }

    public void Dispose() => _hash.Dispose();
}
