using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

public sealed class OnnxImportErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ModelFormatException LoadFails(byte[] onnx)
    {
        File.WriteAllLines(_dir.File("vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "b"]);
        var path = _dir.File("model.onnx");
        File.WriteAllBytes(path, onnx);
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(path));
        Assert.Equal(path, e.Source);
        return e;
    }

    [Fact]
    public void TruncatedFileIsReported()
    {
        var bytes = new TinyBertOnnx().Bytes;
        var e = LoadFails(bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", e.Problem);
    }

    [Fact]
    public void GraphWithoutEmbeddingsIsNotBert()
    {
        var onnx = new OnnxBuilder().Input("x", 1).Node("Relu", ["x"], ["y"]).Output("y").Build();
        var e = LoadFails(onnx);
        Assert.Contains("'embeddings.word_embeddings.weight'", e.Problem);
    }

    [Fact]
    public void WeightOfUnsupportedTypeNamesTensorAndType()
    {
        var doubles = OnnxBuilder.RawTensor("embeddings.word_embeddings.weight", 11, [2, 2], new byte[32]);
        var e = LoadFails(new OnnxBuilder().Initializer(doubles).Build());
        Assert.Contains("'embeddings.word_embeddings.weight'", e.Problem);
        Assert.Contains("DOUBLE", e.Problem);
    }

    [Fact]
    public void ExternalDataIsRefusedWithAdvice()
    {
        var external = new ProtoWriter().PackedVarints(1, [2, 2]).Varint(2, 1).String(8, "embeddings.word_embeddings.weight")
            .Message(13, new ProtoWriter().String(1, "location").String(2, "weights.bin")).Varint(14, 1);
        var e = LoadFails(new OnnxBuilder().Initializer(external).Build());
        Assert.Contains("'embeddings.word_embeddings.weight'", e.Problem);
        Assert.Contains("external", e.Problem);
    }

    [Fact]
    public void RawDataOfTheWrongLengthIsReported()
    {
        var shortTensor = OnnxBuilder.RawTensor("embeddings.LayerNorm.bias", 1, [4], new byte[12]);
        var e = LoadFails(new OnnxBuilder().Initializer(shortTensor).Build());
        Assert.Contains("'embeddings.LayerNorm.bias'", e.Problem);
        Assert.Contains("12 bytes", e.Problem);
    }

    [Fact]
    public void MissingLayerWeightGetsAnExportHint()
    {
        // Rewire the Add that names the query MatMul (input field 1 = 0x0A, length 4, "q_mm"): the weight can no longer be identified.
        var bytes = new TinyBertOnnx().Bytes;
        var pattern = System.Text.Encoding.UTF8.GetBytes("bert.encoder.layer.0.attention.self.query.bias\n\u0004q_mm");
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0);
        "xxxx".Select(c => (byte)c).ToArray().CopyTo(bytes, at + pattern.Length - 4); // the Add now reads "xxxx", not the MatMul
        var e = LoadFails(bytes);
        Assert.Contains("'encoder.layer.0.attention.self.query.weight'", e.Problem);
        Assert.Contains("plain PyTorch export", e.Problem);
    }

    [Fact]
    public void MissingVocabularyIsReported()
    {
        var path = _dir.File("model.onnx");
        File.WriteAllBytes(path, new TinyBertOnnx().Bytes);
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(path));
        Assert.Contains("vocab.txt", e.Problem);
    }

    [Fact]
    public void NonProtobufGarbageIsReported()
    {
        var e = LoadFails([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Contains("ONNX", e.Problem);
    }
}
