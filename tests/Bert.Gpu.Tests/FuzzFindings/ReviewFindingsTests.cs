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
}
