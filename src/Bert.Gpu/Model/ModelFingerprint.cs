using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

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
        var tokenizer = model.Tokenizer;
        var o = tokenizer.Options;
        Text(string.Join(",", o.Lowercase, o.StripAccents?.ToString() ?? "null", o.CleanText, o.HandleChineseChars,
            tokenizer.ClsId, tokenizer.SepId, tokenizer.UnkId, tokenizer.VocabSize));
        for (var id = 0; id < tokenizer.VocabSize; id++)
            Text(tokenizer.IdToToken(id));
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
}
