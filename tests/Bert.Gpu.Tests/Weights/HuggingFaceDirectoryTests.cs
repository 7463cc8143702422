using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

public sealed class HuggingFaceDirectoryTests : IDisposable
{
    private const string Query = "encoder.layer.0.attention.self.query.weight";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ModelFormatException LoadFails(string expectedSource)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(_dir.Path));
        Assert.Equal(expectedSource, e.Source);
        return e;
    }

    private static List<SafetensorsWriter.Entry> EntriesWith(string name, Func<SafetensorsWriter.Entry, SafetensorsWriter.Entry?> change) =>
        TinyHuggingFaceModel.Entries().Select(e => e.Name == "bert." + name ? change(e) : e).OfType<SafetensorsWriter.Entry>().ToList();

    [Fact]
    public void TinyModelLoadsWithDefaults()
    {
        TinyHuggingFaceModel.Write(_dir);
        var model = ModelLoader.Load(_dir.Path);
        Assert.Equal(TinyHuggingFaceModel.Config, model.Config);
        Assert.Equal(PoolingMode.Mean, model.DefaultPooling);
        Assert.Equal(6, model.MaxLength);
        Assert.Equal([0f, 0.125f, 0.25f, 0.375f], model[Query].Data[..4]);
        Assert.False(model.Tensors.ContainsKey("embeddings.position_ids"));
    }

    [Fact]
    public void SentenceTransformersSettingsAreRead()
    {
        TinyHuggingFaceModel.Write(_dir);
        Directory.CreateDirectory(_dir.File("1_Pooling"));
        File.WriteAllText(_dir.File("1_Pooling/config.json"), "{\"word_embedding_dimension\": 4, \"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        File.WriteAllText(_dir.File("sentence_bert_config.json"), "{\"max_seq_length\": 5, \"do_lower_case\": false}");
        var model = ModelLoader.Load(_dir.Path);
        Assert.Equal(PoolingMode.Cls, model.DefaultPooling);
        Assert.Equal(5, model.MaxLength);
    }

    [Fact]
    public void ShardedWeightsAreJoined()
    {
        // Every tensor gets its own values (tensor k holds k + i/64, exact in fp32), so one read from the wrong shard
        // or at the wrong offset cannot pass for another of its shape. The shards split the list inside layer 0.
        var shapes = TinyHuggingFaceModel.Shapes(TinyHuggingFaceModel.Config).ToList();
        var values = shapes.Select((t, k) => Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b)).Select(i => k + i / 64f).ToArray()).ToList();
        List<SafetensorsWriter.Entry> entries =
        [
            .. shapes.Select((t, k) => SafetensorsWriter.F32("bert." + t.Name, values[k], t.Shape)),
            new("bert.embeddings.position_ids", "I64", [1, 6], new byte[48]),
        ];
        var half = entries.Count / 2;
        TinyHuggingFaceModel.Write(_dir, entries);
        File.Delete(_dir.File("model.safetensors"));
        SafetensorsWriter.Write(_dir.File("model-00001-of-00002.safetensors"), entries[..half]);
        SafetensorsWriter.Write(_dir.File("model-00002-of-00002.safetensors"), entries[half..]);
        var map = entries.Select((e, i) => $"\"{e.Name}\": \"model-0000{(i < half ? 1 : 2)}-of-00002.safetensors\"");
        File.WriteAllText(_dir.File("model.safetensors.index.json"), $"{{\"metadata\": {{}}, \"weight_map\": {{{string.Join(",", map)}}}}}");
        using var whole = new TempDirectory();
        TinyHuggingFaceModel.Write(whole, entries);

        var sharded = ModelLoader.Load(_dir.Path);
        var single = ModelLoader.Load(whole.Path);

        Assert.Equal(TinyHuggingFaceModel.Config, sharded.Config);
        Assert.Equal(shapes.Select(t => t.Name).Order(), sharded.Tensors.Keys.Order());
        for (var k = 0; k < shapes.Count; k++)
        {
            var tensor = sharded[shapes[k].Name];
            Assert.Equal(shapes[k].Shape, tensor.Shape);
            Assert.Equal(values[k], tensor.Data); // as written
            Assert.Equal(single[shapes[k].Name].Data, tensor.Data); // as the one-file load reads them
        }
    }

    [Fact]
    public void MissingTensorNamesFileAndTensor()
    {
        TinyHuggingFaceModel.Write(_dir, EntriesWith(Query, _ => null));
        var e = LoadFails(_dir.File("model.safetensors"));
        Assert.Contains($"'{Query}'", e.Message);
        Assert.Contains("missing", e.Problem);
    }

    [Fact]
    public void WrongShapeNamesFileAndTensor()
    {
        TinyHuggingFaceModel.Write(_dir, EntriesWith(Query, e => SafetensorsWriter.F32(e.Name, new float[12], 4, 3)));
        var e = LoadFails(_dir.File("model.safetensors"));
        Assert.Contains($"'{Query}'", e.Problem);
        Assert.Contains("[4,3]", e.Problem);
    }

    [Fact]
    public void ParameterInAnUnsupportedDtypeNamesTensorAndDtype()
    {
        TinyHuggingFaceModel.Write(_dir, EntriesWith(Query, e => new SafetensorsWriter.Entry(e.Name, "I8", [4, 4], new byte[16])));
        var e = LoadFails(_dir.File("model.safetensors"));
        Assert.Contains($"'bert.{Query}'", e.Problem);
        Assert.Contains("I8", e.Problem);
    }

    [Fact]
    public void SameTensorWithAndWithoutPrefixIsReported()
    {
        var entries = TinyHuggingFaceModel.Entries();
        entries.Add(SafetensorsWriter.F32(Query, new float[16], 4, 4));
        TinyHuggingFaceModel.Write(_dir, entries);
        var e = LoadFails(_dir.File("model.safetensors"));
        Assert.Contains($"'{Query}'", e.Problem);
    }

    [Theory]
    [InlineData("model_type", "gpt2", "'gpt2'; the encoders read are bert, distilbert, roberta")]
    [InlineData("model_type", null, "model_type")]
    [InlineData("hidden_size", null, "'hidden_size' is missing")]
    [InlineData("num_attention_heads", "two", "'num_attention_heads'")]
    [InlineData("num_attention_heads", 3, "not a multiple")]
    [InlineData("hidden_act", "swish", "'swish' is not supported; use gelu")]
    [InlineData("position_embedding_type", "relative_key", "'relative_key'; only absolute")]
    public void BadConfigNamesConfigJsonAndTheField(string key, object? value, string expected)
    {
        TinyHuggingFaceModel.Write(_dir, configOverrides: new() { [key] = value });
        var e = LoadFails(_dir.File("config.json"));
        Assert.Contains(expected, e.Problem);
    }

    [Fact]
    public void ConfigThatIsNotJsonIsReported()
    {
        TinyHuggingFaceModel.Write(_dir);
        File.WriteAllText(_dir.File("config.json"), "{ hidden_size: 4 ");
        Assert.Contains("JSON", LoadFails(_dir.File("config.json")).Problem);
    }

    [Fact]
    public void SafetensorsNamedPytorchModelBinIsReadAsPyTorchAndRefused()
    {
        TinyHuggingFaceModel.Write(_dir);
        File.Move(_dir.File("model.safetensors"), _dir.File("pytorch_model.bin"));
        Assert.Contains("not a PyTorch checkpoint", LoadFails(_dir.File("pytorch_model.bin")).Problem);
    }

    [Fact]
    public void DirectoryWithoutConfigIsNotAModel()
    {
        Assert.Contains("config.json", LoadFails(_dir.Path).Problem);
    }

    [Fact]
    public void MissingVocabularyIsReported()
    {
        TinyHuggingFaceModel.Write(_dir);
        File.Delete(_dir.File("vocab.txt"));
        Assert.Contains("vocab.txt", LoadFails(_dir.File("model.safetensors")).Problem);
    }
}
