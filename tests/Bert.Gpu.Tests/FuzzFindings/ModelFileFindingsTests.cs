using Bert.Gpu.Model;

namespace Bert.Gpu.Tests.FuzzFindings;

/// <summary>Model files afl-fuzz found escaping their reader as an exception other than <see cref="ModelFormatException"/>.</summary>
public sealed class ModelFileFindingsTests
{
    // System.Text.Json parses invalid UTF-8 inside strings and lone \uDC00 escapes, then throws InvalidOperationException
    // on GetString, on JsonProperty.Name, and on TryGetProperty (which unescapes the names it compares).
    [Theory]
    [InlineData("config-invalid-utf8-string", "the string at model_type is not valid text")]
    [InlineData("config-lone-surrogate-escape", "a property name in the root is not valid text")]
    [InlineData("safetensors-invalid-utf8-name", "a property name in the root is not valid text")]
    [InlineData("safetensors-invalid-utf8-dtype", "the string at embeddings.LayerNorm.bias.dtype is not valid text")]
    [InlineData("tokenizer-json-invalid-utf8-string", "the string at model.unk_token is not valid text")]
    [InlineData("tokenizer-config-lone-surrogate-escape", "a property name in the root is not valid text")]
    public void InvalidTextInAJsonFile_IsAModelFormatError(string finding, string expected)
    {
        var error = Assert.Throws<ModelFormatException>(() => FindingFiles.ReadModelFiles(finding));
        Assert.Contains(expected, error.Problem);
    }

    // TokenizerFiles looked properties up on the root without checking it is an object: JsonElement.TryGetProperty
    // throws InvalidOperationException on a string or an array.
    [Theory]
    [InlineData("tokenizer-json-root-not-an-object")]
    [InlineData("tokenizer-config-root-not-an-object")]
    public void TokenizerFileThatIsNotAnObject_IsAModelFormatError(string finding)
    {
        var error = Assert.Throws<ModelFormatException>(() => FindingFiles.ReadModelFiles(finding));
        Assert.Equal("holds a JSON string, not an object; this is not a HuggingFace tokenizer file.", error.Problem);
    }

    // A BPE tokenizer.json whose unk_token is not in its vocabulary loaded, then threw InvalidOperationException from
    // the first encode that needed the unknown token.
    [Fact]
    public void BpeUnknownTokenOutsideTheVocabulary_IsAModelFormatError()
    {
        var path = Path.Combine(FindingFiles.Folder("tokenizer-pipeline-unk-not-in-vocab"), "tokenizer.json");
        var error = Assert.Throws<ModelFormatException>(() => Bert.Gpu.Tokenization.TokenizerFiles.FromTokenizerJson(path));
        Assert.Contains("model.unk_token", error.Message);
        Assert.Contains("which model.vocab does not hold", error.Message);
    }

    // OnnxWeightMapper named a MatMul's weight after the Add consuming Outputs[0], which a corrupt node does not have.
    [Fact]
    public void OnnxMatMulWithoutOutput_IsAModelFormatError()
    {
        var error = Assert.Throws<ModelFormatException>(() => FindingFiles.ReadModelFiles("onnx-matmul-without-output"));
        Assert.StartsWith("missing tensor 'encoder.layer.0.attention.self.query.weight'", error.Problem);
    }

    // "layer_norm_eps": 1e592 parsed as a double, became +Inf as a float and passed the "> 0" check: every LayerNorm
    // would have returned its bias alone, a model that embeds nothing, without an error.
    [Fact]
    public void InfiniteLayerNormEpsilon_IsAModelFormatError()
    {
        var error = Assert.Throws<ModelFormatException>(() => FindingFiles.ReadModelFiles("config-infinite-layer-norm-eps"));
        Assert.Equal("layer_norm_eps must be positive and finite, found Infinity.", error.Problem);
    }
}
