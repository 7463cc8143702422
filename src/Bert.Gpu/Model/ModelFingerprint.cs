using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Model;

/// <summary>The content hash behind <see cref="BertModel.ContentHash"/>.</summary>
internal static class ModelFingerprint
{
    /// <summary>Bumped whenever what goes into the hash changes, so old and new hashes never collide by accident.</summary>
    private const string Version = "bert-gpu-model-fingerprint-1";

    public static string Compute(BertModel model, IEnumerable<string> tensorNames)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s)
        {
            Span<byte> length = stackalloc byte[8];
            var bytes = Encoding.UTF8.GetBytes(s);
            BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        Text(Version);
        var c = model.Config;
        Text(string.Join(",", c.VocabSize, c.HiddenSize, c.NumLayers, c.NumHeads, c.IntermediateSize, c.MaxPositionEmbeddings,
            c.TypeVocabSize, c.LayerNormEps.ToString("R", CultureInfo.InvariantCulture), c.HiddenAct));
        // The other families' fields only where they differ from BERT's, so a BERT model's hash is what it always was.
        if (c.Family != ModelFamily.Bert || c.EmbeddingSize != 0 || c.HasEmbeddingProjection || c.PositionPadId is not null || c.LayerSchedule is not null)
            Text(string.Join(",", c.Family, c.EmbeddingSize, c.HasEmbeddingProjection, c.PositionPadId?.ToString(CultureInfo.InvariantCulture) ?? "null",
                string.Join(" ", c.Schedule)));
        if (model.Tokenizer is BertTokenizer tokenizer)
        {
            var o = tokenizer.Options;
            Text(string.Join(",", o.Lowercase, o.StripAccents?.ToString() ?? "null", o.CleanText, o.HandleChineseChars,
                tokenizer.ClsId, tokenizer.SepId, tokenizer.UnkId, tokenizer.VocabSize));
            for (var id = 0; id < tokenizer.VocabSize; id++)
                Text(tokenizer.IdToToken(id));
        }
        else
        {
            // A tokenizer.json pipeline: its kind, special ids and vocabulary, and what it makes of probe texts (which
            // tells apart normalizers and pre-tokenizers that the vocabulary alone does not).
            var other = model.Tokenizer;
            Text(string.Join(",", other.GetType().Name, other.SpecialIds, other.VocabSize, other.SpecialTokenCount(false), other.SpecialTokenCount(true)));
            for (var id = 0; id < other.VocabSize; id++)
                Text(TokenOrHole(other, id));
            foreach (var probe in Probes)
                Text(string.Join(" ", other.Encode(probe, 512).Ids));
            Text(string.Join(" ", other.Encode(Probes[0], Probes[1], 512).Ids));
        }
        foreach (var name in tensorNames)
        {
            var tensor = model[name];
            Text(name);
            Text(tensor.ShapeText);
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("The model hash is defined over little-endian float bytes.");
            hash.AppendData(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
        foreach (var (name, q) in model.Quantized.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Text("int8 " + name);
            Text(q.Activations.ToString());
            hash.AppendData(MemoryMarshal.AsBytes(q.Weight.Values.AsSpan()));
            hash.AppendData(MemoryMarshal.AsBytes(q.Weight.Scales.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Texts that exercise case, accents, CJK, digits, punctuation, spacing and a surrogate pair.</summary>
    private static readonly string[] Probes = ["Hello, World! It's 2026.", "  Ünïcödé café — naïve 東京 123,456 😀\ttabs\nlines  ", "<mask> <s> [MASK]"];

    private static string TokenOrHole(ITokenizer tokenizer, int id)
    {
        try
        {
            return tokenizer.IdToToken(id);
        }
        catch (ArgumentOutOfRangeException)
        {
            return "\0hole"; // an id no token has (added tokens past a gap)
        }
    }
}
