using System.Buffers.Binary;
using System.Text;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>
/// SentencePiece's <c>precompiled_charsmap</c>, read as HF's spm_precompiled crate reads it: a little-endian u32 with
/// the size of a Darts-clone double array (u32 units) over UTF-8 bytes, whose leaves point into a blob of
/// NUL-terminated replacement strings.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;

    private PrecompiledCharsMap(uint[] units, byte[] normalized)
    {
        _units = units;
        _normalized = normalized;
    }

    /// <summary>Parses the map, or returns null with the reason when it is not one.</summary>
    public static PrecompiledCharsMap? Parse(ReadOnlySpan<byte> map, out string? problem)
    {
        problem = null;
        if (map.Length < 4)
        {
            problem = "is shorter than its 4-byte header";
            return null;
        }
        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(map);
        if (trieBytes % 4 != 0 || trieBytes > map.Length - 4 || trieBytes == 0)
        {
            problem = $"declares a {trieBytes}-byte trie in {map.Length - 4} bytes";
            return null;
        }
        var units = new uint[trieBytes / 4];
        for (var i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(map[(4 + 4 * i)..]);
        var normalized = map[(4 + (int)trieBytes)..].ToArray();
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(normalized);
        }
        catch (DecoderFallbackException)
        {
            problem = "holds replacement strings that are not UTF-8";
            return null;
        }
        return new PrecompiledCharsMap(units, normalized);
    }

    /// <summary>
    /// The replacement of <paramref name="key"/> (UTF-8), or false. Like spm_precompiled's <c>transform</c>, this is the
    /// value of the shortest entry that is a prefix of the key, even when the key is longer (HF's quirk, kept).
    /// </summary>
    public bool TryTransform(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var value = ShortestPrefixValue(key);
        if (value < 0 || value > _normalized.Length) return false;
        var rest = _normalized.AsSpan(value);
        var end = rest.IndexOf((byte)0);
        replacement = end < 0 ? rest : rest[..end];
        return true;
    }

    // Darts-clone's common prefix search, stopping at the first (shortest) hit.
    private int ShortestPrefixValue(ReadOnlySpan<byte> key)
    {
        var units = _units;
        uint position = 0;
        position ^= Offset(units[0]);
        foreach (var c in key)
        {
            if (c == 0) break;
            position ^= c;
            if (position >= units.Length) return -1;
            var unit = units[position];
            if (Label(unit) != c) return -1;
            position ^= Offset(unit);
            if (position >= units.Length) return -1;
            if (HasLeaf(unit)) return (int)Value(units[position]);
        }
        return -1;
    }

    private static bool HasLeaf(uint unit) => (unit >> 8 & 1) == 1;

    private static uint Value(uint unit) => unit & ((1u << 31) - 1);

    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);

    private static uint Offset(uint unit) => unit >> 10 << (int)((unit & (1u << 9)) >> 6);
}
