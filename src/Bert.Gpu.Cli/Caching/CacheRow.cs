using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// A row as stored: its float32 values as little-endian bytes (the same bits a computed row has), and a checksum over
/// key, width and bytes, so a flipped bit, a truncated value or a row filed under another key is never served.
/// </summary>
internal static class CacheRow
{
    /// <summary>The stored bytes of <paramref name="row"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<float> row)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Cached rows are defined as little-endian float32 bytes.");
        return MemoryMarshal.AsBytes(row).ToArray();
    }

    /// <summary>The first 8 bytes of SHA-256(key ‖ width as 4 little-endian bytes ‖ value bytes), as a signed integer (SQLite's).</summary>
    public static long Checksum(ReadOnlySpan<byte> key, int width, ReadOnlySpan<byte> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> widthBytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(widthBytes, width);
        hash.AppendData(key);
        hash.AppendData(widthBytes);
        hash.AppendData(values);
        Span<byte> digest = stackalloc byte[32];
        hash.GetCurrentHash(digest);
        return BinaryPrimitives.ReadInt64LittleEndian(digest);
    }

    /// <summary>The row stored under <paramref name="key"/>, or null when its width or checksum is not what it must be.</summary>
    public static float[]? Decode(ReadOnlySpan<byte> key, int expectedWidth, long storedWidth, byte[] values, long storedChecksum)
    {
        if (storedWidth != expectedWidth || values.Length != 4 * expectedWidth
            || Checksum(key, expectedWidth, values) != storedChecksum)
            return null;
        var row = new float[expectedWidth];
        values.CopyTo(MemoryMarshal.AsBytes(row.AsSpan()));
        return row;
    }
}
