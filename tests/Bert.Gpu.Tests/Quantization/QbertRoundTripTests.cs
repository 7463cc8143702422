using System.Text.Json;
using System.Text.Json.Nodes;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tests.Weights;

namespace Bert.Gpu.Tests.Quantization;

public sealed class QbertRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A small file with every dtype and kind of metadata; also used by the damage tests.</summary>
    internal static QbertWriter SmallModel()
    {
        var random = new Random(101);
        var writer = new QbertWriter();
        writer.SetMetadata("source_model", "sentence-transformers/all-MiniLM-L6-v2");
        writer.SetMetadata("quantization", new JsonObject { ["method"] = "entropy", ["smoothquant_alpha"] = 0.5, ["layers"] = new JsonArray("a", "b") });
        writer.SetMetadata("encoder.layer.0.attention.output.dense", ActivationQuantization.Static(0.0123f).ToJson());
        writer.SetMetadata("vocab", "[PAD]\n[UNK]\nnaïve\n日本\n\"quoted\"\t<tag>&+\n");
        writer.AddFloat("embeddings.LayerNorm.weight", [1, -0f, float.Epsilon, float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), float.NegativeInfinity], 6);
        writer.AddFloat("scalar", [3.5f]);
        writer.AddFloat("empty", [], 0, 4);
        writer.AddFloat("empty-wide", [], 65536, 65536, 0);
        writer.AddInt8("encoder.layer.0.attention.self.qkv.weight", Int8Matrix.Quantize(Samples.Gaussian(random, 9 * 5), 9, 5, "qkv"));
        writer.AddBytes("tokenizer.json", "{\"model\":{}}"u8.ToArray());
        writer.AddInt8("zero", Int8Matrix.Quantize(new float[6], 2, 3, "zero"));
        return writer;
    }

    [Fact]
    public void EverythingReadsBackBitForBit()
    {
        var random = new Random(102);
        var floats = Samples.Gaussian(random, 1000);
        var matrix = Int8Matrix.Quantize(Samples.HeavyTailed(random, 37 * 53), 37, 53, "w");
        var bytes = new byte[777];
        random.NextBytes(bytes);
        var writer = SmallModel();
        writer.AddFloat("big", floats, 10, 20, 5);
        writer.AddInt8("w", matrix);
        writer.AddBytes("blob", bytes);
        var path = _dir.File("m.qbert");
        writer.Write(path);

        using var file = QbertFile.Open(path);
        Assert.Equal(1, file.FormatVersion);
        Assert.Equal(floats.Select(BitConverter.SingleToInt32Bits), file.ReadFloat("big").Select(BitConverter.SingleToInt32Bits));
        Assert.Equal([10, 20, 5], file.Find("big")!.Shape);
        var back = file.ReadInt8("w");
        Assert.Equal(matrix.Values, back.Values);
        Assert.Equal(matrix.Scales.Select(BitConverter.SingleToInt32Bits), back.Scales.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal((37, 53), (back.Rows, back.Columns));
        Assert.Equal(bytes, file.ReadBytes("blob"));
        // NaN payloads, −0 and subnormals are bits like any other.
        Assert.Equal(new[] { 0x3F800000, unchecked((int)0x80000000), 1, BitConverter.SingleToInt32Bits(float.NaN), 0x7FC01234, unchecked((int)0xFF800000) },
            file.ReadFloat("embeddings.LayerNorm.weight").Select(BitConverter.SingleToInt32Bits));
        Assert.Equal([3.5f], file.ReadFloat("scalar"));
        Assert.Empty(file.Find("scalar")!.Shape);
        Assert.Empty(file.ReadFloat("empty"));
        Assert.Empty(file.ReadFloat("empty-wide"));
        Assert.Equal([SymmetricInt8.MinScale, SymmetricInt8.MinScale], file.ReadInt8("zero").Scales);
        Assert.Equal("{\"model\":{}}"u8.ToArray(), file.ReadBytes("tokenizer.json"));
        Assert.Equal(["embeddings.LayerNorm.weight", "scalar", "empty", "empty-wide", "encoder.layer.0.attention.self.qkv.weight", "tokenizer.json", "zero", "big", "w", "blob"],
            file.Tensors.Select(t => t.Name));

        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", file.Metadata["source_model"].GetString());
        Assert.Equal("[PAD]\n[UNK]\nnaïve\n日本\n\"quoted\"\t<tag>&+\n", file.Metadata["vocab"].GetString());
        Assert.Equal("""{"method":"entropy","smoothquant_alpha":0.5,"layers":["a","b"]}""", file.Metadata["quantization"].GetRawText());
        Assert.Equal(0.0123f, ActivationQuantization.FromJson(file.Metadata["encoder.layer.0.attention.output.dense"], path, null).StaticScale);
    }

    // The same content gives the same bytes, so a file can be compared or hashed as a whole.
    [Fact]
    public void WritingIsDeterministic()
    {
        SmallModel().Write(_dir.File("a.qbert"));
        SmallModel().Write(_dir.File("b.qbert"));
        Assert.Equal(File.ReadAllBytes(_dir.File("a.qbert")), File.ReadAllBytes(_dir.File("b.qbert")));
    }

    // The layout of docs/QUANTIZATION.md, checked by hand on a one-tensor file: 8-byte length, the JSON, its SHA-256, data.
    [Fact]
    public void TheLayoutIsAsDocumented()
    {
        var writer = new QbertWriter();
        writer.SetMetadata("k", "v");
        writer.AddInt8("w", new Int8Matrix([1, -2, 3, -4], [0.5f, 2f], 2, 2));
        writer.Write(_dir.File("w.qbert"));
        byte[] data = [1, 0xFE, 3, 0xFC, 0, 0, 0, 0x3F, 0, 0, 0, 0x40];
        var expected = QbertBytes.Build(
            """{"format":"qbert","format_version":1,"metadata":{"k":"v"},"tensors":{"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4],"scale_offsets":[4,12],"sha256":"HASH"}}}"""
                .Replace("HASH", QbertBytes.Sha(data)),
            data);
        Assert.Equal(expected, File.ReadAllBytes(_dir.File("w.qbert")));
    }

    [Fact]
    public void WriterRefusesWhatItCouldNotWriteOrTheReaderCouldNotRead()
    {
        var writer = new QbertWriter();
        writer.AddFloat("a", [1]);
        Assert.Throws<ArgumentException>(() => writer.AddFloat("a", [2]));
        Assert.Throws<ArgumentException>(() => writer.AddFloat("", [2]));
        Assert.Throws<ArgumentException>(() => writer.AddFloat("b", [1, 2], 3));
        Assert.Throws<ArgumentException>(() => writer.AddFloat("b", [], -1));
        Assert.Throws<ArgumentException>(() => writer.AddFloat("b", [], 65536, 65536, 65536, 65536)); // 2^64, not 0

        // Utf8JsonWriter would quietly write U+FFFD for a lone surrogate, so the name or text read back would differ.
        Assert.Contains("lone surrogate at index 1", Assert.Throws<ArgumentException>(() => writer.AddFloat("x\uD800", [1])).Message);
        Assert.Throws<ArgumentException>(() => writer.SetMetadata("k", "a\uDC00"));
        Assert.Throws<ArgumentException>(() => writer.SetMetadata("k\uDC00", "a"));
        Assert.Throws<ArgumentException>(() => writer.SetMetadata("k", new JsonObject { ["a"] = new JsonArray("ok", "\uD800") }));
        Assert.Throws<ArgumentException>(() => writer.SetMetadata("k", new JsonObject { ["\uD800"] = 1 }));
        // JSON nested deeper than the reader's parser goes (64) is refused before anything is written.
        var deep = new QbertWriter();
        JsonNode nested = new JsonArray();
        for (var i = 0; i < 70; i++)
            nested = new JsonArray(nested);
        deep.SetMetadata("deep", nested);
        Assert.Contains("the header would not read back", Assert.Throws<ArgumentException>(() => deep.Write(_dir.File("deep.qbert"))).Message);
        var nan = new QbertWriter();
        nan.SetMetadata("x", JsonValue.Create(double.NaN));
        Assert.Throws<ArgumentException>(() => nan.Write(_dir.File("nan.qbert")));
        var changed = new QbertWriter();
        var m = Int8Matrix.Quantize([1, 2], 1, 2, "m");
        m.Values[0] = sbyte.MinValue;
        changed.AddInt8("m", m);
        Assert.Contains("-128", Assert.Throws<ArgumentException>(() => changed.Write(_dir.File("changed.qbert"))).Message);
        Assert.Empty(Directory.GetFiles(_dir.Path)); // nothing left behind, not even a temporary file
    }

    [Fact]
    public void WriteReplacesAnExistingFileWhole()
    {
        var path = _dir.File("m.qbert");
        File.WriteAllBytes(path, new byte[100_000]);
        SmallModel().Write(path);
        using var file = QbertFile.Open(path);
        Assert.Equal(6, file.ReadFloat("embeddings.LayerNorm.weight").Length);
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void ReadingAMissingTensorOrTheWrongDtypeNamesIt()
    {
        var path = _dir.File("m.qbert");
        SmallModel().Write(path);
        using var file = QbertFile.Open(path);
        var missing = Assert.Throws<QbertFormatException>(() => file.ReadFloat("pooler.dense.weight"));
        Assert.Equal($"{path}: tensor 'pooler.dense.weight': the file has no such tensor; it was quantized from another model or by another version: quantize the model again", missing.Message);
        var dtype = Assert.Throws<QbertFormatException>(() => file.ReadFloat("zero"));
        Assert.Equal("zero", dtype.Tensor);
        Assert.StartsWith("the tensor is I8, not F32;", dtype.Problem);
        Assert.Throws<QbertFormatException>(() => file.ReadInt8("tokenizer.json"));
        Assert.Throws<QbertFormatException>(() => file.ReadBytes("scalar"));
        Assert.Null(file.Find("nope"));
        _ = JsonSerializer.Serialize(file.Metadata); // every metadata element is usable after open
    }
}
