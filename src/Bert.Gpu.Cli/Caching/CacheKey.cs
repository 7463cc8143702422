using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// The key of one cached row: SHA-256 over the UTF-8 of <see cref="CacheIdentity.Canonical"/>, a zero byte, then the
/// text's UTF-8 (or, for pre-tokenized input, each id as 4 little-endian bytes). The zero byte cannot occur in the
/// canonical text, so no identity-and-text pair can hash like another.
/// </summary>
internal sealed class CacheKey
{
    /// <summary>Bytes of a key.</summary>
    public const int Bytes = 32;

    private readonly byte[] _prefix;

    /// <summary>Keys of rows with <paramref name="identity"/>.</summary>
    public CacheKey(CacheIdentity identity)
    {
        var canonical = Encoding.UTF8.GetBytes(identity.Canonical);
        _prefix = [.. canonical, 0];
    }

    /// <summary>The key of <paramref name="text"/>'s row.</summary>
    public byte[] ForText(string text)
    {
        var buffer = new byte[_prefix.Length + Encoding.UTF8.GetByteCount(text)];
        _prefix.CopyTo(buffer, 0);
        Encoding.UTF8.GetBytes(text, buffer.AsSpan(_prefix.Length));
        return SHA256.HashData(buffer);
    }

    /// <summary>The key of the row of the pre-tokenized <paramref name="ids"/>.</summary>
    public byte[] ForIds(ReadOnlySpan<int> ids)
    {
        var buffer = new byte[_prefix.Length + 4 * ids.Length];
        _prefix.CopyTo(buffer, 0);
        for (var i = 0; i < ids.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(_prefix.Length + 4 * i), ids[i]);
        return SHA256.HashData(buffer);
    }
}
