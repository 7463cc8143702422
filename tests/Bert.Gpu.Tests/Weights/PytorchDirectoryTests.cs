using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

/// <summary>
/// HuggingFace folders whose weights are torch.save checkpoints (tests/data/pytorch) load like the same weights as
/// safetensors, which torch wrote alongside.
/// </summary>
public sealed class PytorchDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TempDirectory _oracle = new();

    public PytorchDirectoryTests()
    {
        foreach (var dir in new[] { _dir, _oracle })
        {
            TinyHuggingFaceModel.WriteConfig(dir.File("config.json"), TinyHuggingFaceModel.Config);
            File.WriteAllLines(dir.File("vocab.txt"), TinyVocab.Tokens(TinyHuggingFaceModel.Config.VocabSize));
        }
        File.Copy(PytorchFixtures.File("tiny-bert.safetensors"), _oracle.File("model.safetensors"));
    }

    public void Dispose()
    {
        _dir.Dispose();
        _oracle.Dispose();
    }

    private static void AssertSameModel(BertModel expected, BertModel actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (var (name, tensor) in expected.Tensors)
        {
            Assert.Equal(tensor.Shape, actual[name].Shape);
            Assert.True(tensor.Data.AsSpan().SequenceEqual(actual[name].Data), $"tensor '{name}' differs");
        }
        Assert.Equal(expected.ContentHash, actual.ContentHash);
    }

    [Fact]
    public void PytorchModelBinAloneGivesTheEmbeddingsOfTheSameWeightsAsSafetensors()
    {
        File.Copy(PytorchFixtures.File("tiny-bert.bin"), _dir.File("pytorch_model.bin"));

        var pytorch = ModelLoader.Load(_dir.Path);
        var safetensors = ModelLoader.Load(_oracle.Path);

        AssertSameModel(safetensors, pytorch);
        // Every encoder tensor came through the 'bert.' prefix; the int64 position_ids buffer was skipped.
        Assert.All(TinyHuggingFaceModel.Shapes(TinyHuggingFaceModel.Config), t => Assert.True(pytorch.Tensors.ContainsKey(t.Name), t.Name));
        Assert.False(pytorch.Tensors.ContainsKey("embeddings.position_ids"));
        using var backend = new HostBackend(1);
        string[] texts = ["tok5 tok6 tok7", "tok9", "tok8 tok5 tok6 tok9"];
        using var fromPytorch = new Embedder(pytorch, backend);
        using var fromSafetensors = new Embedder(safetensors, backend);
        var expected = fromSafetensors.Embed(texts);
        var actual = fromPytorch.Embed(texts);
        for (var i = 0; i < texts.Length; i++)
            Assert.Equal(expected[i], actual[i]);
        Assert.NotEqual(expected[0], expected[1]); // the random weights tell the texts apart
    }

    [Fact]
    public void ShardedPytorchCheckpointIsJoined()
    {
        foreach (var file in Directory.GetFiles(PytorchFixtures.File("sharded")))
            File.Copy(file, _dir.File(Path.GetFileName(file)));
        AssertSameModel(ModelLoader.Load(_oracle.Path), ModelLoader.Load(_dir.Path));
    }

    [Fact]
    public void SafetensorsIsPreferredWhenBothAreThere()
    {
        // A pytorch_model.bin that would be refused: loading succeeds only if it is never opened.
        File.Copy(PytorchFixtures.File("malicious-system.bin"), _dir.File("pytorch_model.bin"));
        File.Copy(PytorchFixtures.File("tiny-bert.safetensors"), _dir.File("model.safetensors"));
        AssertSameModel(ModelLoader.Load(_oracle.Path), ModelLoader.Load(_dir.Path));
    }

    [Fact]
    public void RefusedPickleNamesTheWeightsFile()
    {
        File.Copy(PytorchFixtures.File("malicious-eval.bin"), _dir.File("pytorch_model.bin"));
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(_dir.Path));
        Assert.Equal(_dir.File("pytorch_model.bin"), e.Source);
        Assert.Contains("'__builtin__.eval'", e.Problem);
    }

    [Fact]
    public void FolderWithoutWeightsNamesEveryFileItLooksFor()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(_dir.Path));
        Assert.Equal(_dir.Path, e.Source);
        foreach (var file in new[] { "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json" })
            Assert.Contains(file, e.Problem);
    }
}
