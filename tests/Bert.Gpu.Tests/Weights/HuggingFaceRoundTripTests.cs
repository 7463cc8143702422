using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

[Collection(BuiltInModelsCollection.Name)]
public sealed class HuggingFaceRoundTripTests(BuiltInModelsFixture models) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Embeddings and LayerNorms go through F16, the rest stays F32, as a mixed-precision export would.
    private static bool StoredAsHalf(string name) => name.StartsWith("embeddings.", StringComparison.Ordinal) || name.Contains(".LayerNorm.");

    [Fact]
    public void MiniLmWrittenAsHuggingFaceDirectoryLoadsBackIdentically()
    {
        var source = models.MiniLm;
        TinyHuggingFaceModel.WriteConfig(_dir.File("config.json"), source.Config);
        File.WriteAllLines(_dir.File("vocab.txt"), BuiltInModels.ReadVocab("minilm"));
        SafetensorsWriter.Write(_dir.File("model.safetensors"),
        [
            .. source.Tensors.Select(kv => StoredAsHalf(kv.Key)
                ? SafetensorsWriter.F16("bert." + kv.Key, kv.Value.Data, kv.Value.Shape)
                : SafetensorsWriter.F32("bert." + kv.Key, kv.Value.Data, kv.Value.Shape)),
            new SafetensorsWriter.Entry("bert.embeddings.position_ids", "I64", [1, 512], new byte[512 * 8]),
        ]);

        var loaded = ModelLoader.Load(_dir.Path);

        Assert.Equal(source.Config, loaded.Config);
        Assert.Equal(source.Tokenizer.VocabSize, loaded.Tokenizer.VocabSize);
        Assert.Equal(source.Tensors.Keys.Order(), loaded.Tensors.Keys.Order());
        foreach (var (name, tensor) in source.Tensors)
        {
            var expected = StoredAsHalf(name) ? tensor.Data.Select(v => (float)(Half)v).ToArray() : tensor.Data;
            Assert.Equal(tensor.Shape, loaded[name].Shape);
            Assert.True(expected.AsSpan().SequenceEqual(loaded[name].Data), $"tensor {name} differs");
        }
    }
}
