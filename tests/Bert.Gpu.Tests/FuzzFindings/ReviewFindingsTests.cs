using System.Text.Json.Nodes;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tests.Weights;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Tests.FuzzFindings;

/// <summary>
/// Inputs found while reading the readers to write their fuzz harnesses, each confirmed by replaying it through the
/// harness (docs/FUZZING.md), which reported it as a crash; afl did not reach them within its 240 s runs.
/// </summary>
public sealed class ReviewFindingsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // JsonElement.TryGetInt64 throws InvalidOperationException on a string.
    [Fact]
    public void SafetensorsOffsetThatIsAString_IsAModelFormatError()
    {
        SafetensorsWriter.WriteRaw(_dir.File("a.safetensors"), """{"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", new byte[4]);
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(_dir.File("a.safetensors")));
        Assert.Equal("the header entry for tensor 'a' is malformed: data_offsets are not two increasing non-negative integers.", error.Problem);
    }

    // 65536^4 = 2^64 wrapped to 0 elements in a long, so 0 bytes of data "matched" and the tensor read as 0 values.
    [Fact]
    public void SafetensorsShapeWhoseElementCountWraps_IsAModelFormatError()
    {
        SafetensorsWriter.WriteRaw(_dir.File("a.safetensors"), """{"a":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,0]}}""", []);
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(_dir.File("a.safetensors")));
        Assert.Equal("the header entry for tensor 'a' is malformed: shape [65536,65536,65536,65536] has more elements than a file can hold.", error.Problem);
    }

    // TryGetProperty("content") on a number throws InvalidOperationException.
    [Fact]
    public void AddedTokenThatIsNotAnObject_IsAModelFormatError()
    {
        var json = JsonNode.Parse(File.ReadAllText(RepoPaths.Root + "/tests/Bert.Gpu.Fuzz/corpus/tokenizer-json/uncased.json"))!;
        json["added_tokens"] = new JsonArray(1);
        File.WriteAllText(_dir.File("tokenizer.json"), json.ToJsonString());
        var error = Assert.Throws<ModelFormatException>(() => TokenizerFiles.Load(_dir.Path));
        Assert.Equal("an entry of added_tokens is number, not an object with a \"content\".", error.Problem);
    }

    // int.Parse of the layer index threw OverflowException (and FormatException for non-ASCII digits, which \d matched).
    [Fact]
    public void OnnxLayerIndexTooLargeForAnInt_IsAModelFormatError()
    {
        var onnx = new OnnxBuilder()
            .Floats("embeddings.word_embeddings.weight", new float[20], 10, 2)
            .Floats("encoder.layer.99999999999.output.dense.bias", new float[2], 2)
            .Build();
        var tokenizer = BertTokenizer.FromVocab([.. TinyVocab.Tokens(10)], BertNormalizerOptions.Uncased, "tiny vocab");
        var error = Assert.Throws<ModelFormatException>(() => OnnxModelImporter.Import(onnx, "a.onnx", "a", tokenizer, PoolingMode.Mean, null));
        Assert.Equal("tensor 'encoder.layer.99999999999.…' has layer index 99999999999, which is too large; the graph is corrupt.", error.Problem);
    }
}
