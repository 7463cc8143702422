using System.Globalization;
using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>
/// HF's Precompiled normalizer (SentencePiece's normalization rules, nmt_nfkc and the like): per extended grapheme
/// cluster, the whole cluster's replacement if it has one and is under 6 UTF-8 bytes, else each character's.
/// </summary>
/// <remarks>
/// This is HF's reading of the map, not SentencePiece's (which matches the longest rule over the raw text, across
/// grapheme boundaries): the two differ on some combining sequences, and HF is the reference here. Grapheme
/// clusters come from .NET's <see cref="StringInfo"/> (UAX #29), HF's from the unicode-segmentation crate.
/// </remarks>
internal sealed class PrecompiledNormalizer(PrecompiledCharsMap map) : INormalizer
{
    [ThreadStatic] private static List<(Rune Rune, int Change)>? t_changes;

    public void Normalize(NormalizedText text)
    {
        var changes = t_changes ??= [];
        changes.Clear();
        var modified = false;
        Span<byte> key = stackalloc byte[8];
        var chars = text.Text;
        for (var at = 0; at < chars.Length;)
        {
            var clusterLength = StringInfo.GetNextTextElementLength(chars[at..]);
            var cluster = chars.Slice(at, clusterLength);
            at += clusterLength;
            if (Encoding.UTF8.GetByteCount(cluster) < 6)
            {
                var n = Encoding.UTF8.GetBytes(cluster, key);
                if (map.TryTransform(key[..n], out var replacement))
                {
                    modified = true;
                    Replace(changes, cluster, replacement);
                    continue;
                }
            }
            for (var i = 0; i < cluster.Length;)
            {
                Rune.DecodeFromUtf16(cluster[i..], out var rune, out var units);
                var n = rune.EncodeToUtf8(key);
                if (map.TryTransform(key[..n], out var replacement))
                {
                    modified = true;
                    Replace(changes, cluster.Slice(i, units), replacement);
                }
                else
                {
                    changes.Add((rune, 0));
                }
                i += units;
            }
        }
        if (modified)
        {
            var rewriter = text.BeginRewrite();
            foreach (var (rune, change) in changes) rewriter.Emit(rune, change);
            rewriter.Commit();
        }
        if (changes.Count > ScratchLimit.Elements) t_changes = null;
    }

    // spm_precompiled's `replace`: the new characters replace the old one for one; extra new ones are insertions (the
    // last few entries written, change 1), and fewer new ones make the last entry written also remove the rest.
    private static void Replace(List<(Rune Rune, int Change)> changes, ReadOnlySpan<char> old, ReadOnlySpan<byte> replacement)
    {
        var oldCount = 0;
        foreach (var _ in old.EnumerateRunes()) oldCount++;
        var newCount = 0;
        for (var i = 0; i < replacement.Length;)
        {
            Rune.DecodeFromUtf8(replacement[i..], out var rune, out var used);
            changes.Add((rune, 0));
            newCount++;
            i += used;
        }
        var diff = newCount - oldCount;
        if (diff > 0)
        {
            for (var k = changes.Count - diff; k < changes.Count; k++) changes[k] = (changes[k].Rune, 1);
        }
        else if (diff < 0 && changes.Count > 0)
        {
            changes[^1] = (changes[^1].Rune, changes[^1].Change + diff);
        }
    }
}
