using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

/// <summary>
/// A model that cannot give finite embeddings is refused at load, naming the tensor; an embedding that overflows
/// anyway is an error naming the input; and a model's content hash says whether two loads are the same model.
/// </summary>
[Collection(BuiltInModelsCollection.Name)]
public sealed class ModelIntegrityTests(BuiltInModelsFixture models) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Inf")]
    [InlineData(float.NegativeInfinity, "-Inf")]
    public void ANonFiniteWeight_IsALoadErrorNamingFileTensorAndIndex(float bad, string shown)
    {
        const string name = "encoder.layer.0.intermediate.dense.weight"; // [8, 4] in the tiny model
        TinyHuggingFaceModel.Write(_dir, TinyHuggingFaceModel.Entries().Select(e =>
        {
            if (e.Name != "bert." + name)
                return e;
            var values = Enumerable.Range(0, 32).Select(i => i / 8f).ToArray();
            values[4 * 5 + 3] = bad; // row 5, column 3
            return SafetensorsWriter.F32(e.Name, values, 8, 4);
        }).ToList());

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(_dir.Path));

        Assert.Equal(_dir.File("model.safetensors"), error.Source);
        Assert.Equal($"tensor '{name}' holds {shown} at [5,3]; the checkpoint is damaged (or was saved after training diverged).", error.Problem);
    }

    [Fact]
    public void AnEmbeddingThatOverflows_IsAnErrorNamingTheInput_NeverARow()
    {
        // Finite weights, but the row of one token is 3e38: the embedding LayerNorm's sums overflow to Inf, then NaN.
        var model = Directory.CreateDirectory(_dir.File("model")).FullName;
        var vocab = BuiltInModels.ReadVocab("minilm");
        var zebra = Array.IndexOf(vocab, "zebra");
        FastModelDirectory.Write(model, tweak: (tensor, values) =>
        {
            if (tensor == BertTensorNames.WordEmbeddings)
                values.AsSpan(zebra * FastModelDirectory.Config.HiddenSize, FastModelDirectory.Config.HiddenSize).Fill(3e38f);
        });
        using var backend = new Bert.Gpu.Backends.Host.HostBackend(1);
        using var embedder = new Embedder(ModelLoader.Load(model), backend);

        var error = Assert.Throws<NonFiniteEmbeddingException>(() => embedder.Embed(["a horse", "a cat", "a zebra", "a dog"]));

        Assert.Equal(2, error.Index);
        Assert.Equal(3, embedder.Embed(["a horse", "a cat", "a dog"]).Length); // the others are fine
    }

    [Fact]
    public void AnIntegerTooLargeForTheConfig_IsOutOfRange_NotNotAnInteger()
    {
        TinyHuggingFaceModel.Write(_dir, configOverrides: new() { ["hidden_size"] = 1_000_000_000_000L });
        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(_dir.Path));
        Assert.Equal("'hidden_size' is 1000000000000, out of range (at most 2147483647); check the value.", error.Problem);
    }

    [Fact]
    public void TheContentHash_IsTheSameForTheSameModelInAnotherFormat_AndChangesWithOneWeightOrToken()
    {
        var onnx = models.MiniLm; // read from the package's model.onnx
        TinyHuggingFaceModel.WriteConfig(_dir.File("config.json"), onnx.Config);
        var vocab = BuiltInModels.ReadVocab("minilm");
        File.WriteAllLines(_dir.File("vocab.txt"), vocab);
        SafetensorsWriter.Write(_dir.File("model.safetensors"), [.. onnx.Tensors.Select(kv => SafetensorsWriter.F32(kv.Key, kv.Value.Data, kv.Value.Shape))]);
        var safetensors = ModelLoader.Load(_dir.Path);

        Assert.Matches("^[0-9a-f]{64}$", onnx.ContentHash);
        Assert.Equal(onnx.ContentHash, safetensors.ContentHash);
        Assert.Equal(onnx.ContentHash, BuiltInModels.Load("minilm").ContentHash);

        var changedWeight = onnx.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
        var data = (float[])changedWeight["encoder.layer.5.output.dense.bias"].Data.Clone();
        data[100] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(data[100]) + 1); // one ulp
        changedWeight["encoder.layer.5.output.dense.bias"] = new FloatTensor(data, data.Length);
        var withChangedWeight = new BertModel("minilm", onnx.Config, changedWeight, onnx.Tokenizer, onnx.DefaultPooling, onnx.MaxLength);
        Assert.NotEqual(onnx.ContentHash, withChangedWeight.ContentHash);

        vocab[2000] = "something-else";
        File.WriteAllLines(_dir.File("vocab.txt"), vocab);
        Assert.NotEqual(onnx.ContentHash, ModelLoader.Load(_dir.Path).ContentHash);
    }
}
