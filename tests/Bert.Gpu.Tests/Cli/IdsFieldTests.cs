using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// <c>embed --ids-field NAME</c>: pre-tokenized ids (as TEI and OpenAI accept token arrays) give the rows the texts they
/// came from give; bad records are errors naming the line.
/// </summary>
public sealed class IdsFieldTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-ids-").FullName;
    private readonly string _model;

    public IdsFieldTests()
    {
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void IdsFromTheModelsTokenizerGiveTheTextsRowsByteForByte()
    {
        string[] texts = ["a text", "another, somewhat longer text", "x", "words and more words"];
        var tokenizer = Bert.Gpu.Weights.ModelLoader.Load(_model).Tokenizer;
        File.WriteAllLines(PathOf("texts.txt"), texts);
        File.WriteAllLines(PathOf("ids.jsonl"), texts.Select(t => JsonSerializer.Serialize(new { ids = tokenizer.Encode(t, 512).Ids })));

        var fromTexts = CliRunner.Run("embed", "--model", _model, "-i", PathOf("texts.txt"), "-o", PathOf("texts.npy"), "--device", "cpu");
        var fromIds = CliRunner.Run("embed", "--model", _model, "-i", PathOf("ids.jsonl"), "-o", PathOf("ids.npy"), "--device", "cpu", "--ids-field", "ids");

        Assert.Equal(0, fromTexts.ExitCode);
        Assert.True(fromIds.ExitCode == 0, fromIds.StandardError);
        Assert.Equal(File.ReadAllBytes(PathOf("texts.npy")), File.ReadAllBytes(PathOf("ids.npy")));
    }

    [Theory]
    [InlineData("{\"ids\": [2, \"x\", 3]}", "in.jsonl:2: \"ids\"[1] is \"x\", not a token id (a non-negative integer).")]
    [InlineData("{\"ids\": []}", "in.jsonl:2: field \"ids\" is an empty array; --ids-field needs a non-empty array of token ids.")]
    [InlineData("{\"text\": \"no ids\"}", "in.jsonl:2: no field \"ids\"; check --ids-field.")]
    [InlineData("{\"ids\": [2, 99999999, 3]}", "in.jsonl:2: id 99999999 (at 1) is outside the model's")]
    public void ABadRecord_IsAnErrorNamingItsLine(string record, string expected)
    {
        File.WriteAllLines(PathOf("in.jsonl"), ["{\"ids\": [2, 5, 3]}", record]);
        var run = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.jsonl"), "-o", PathOf("out.npy"), "--device", "cpu", "--ids-field", "ids");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: {PathOf(expected[..expected.IndexOf(':')])}{expected[expected.IndexOf(':')..]}", run.StandardError);
        Assert.False(File.Exists(PathOf("out.npy")));
    }

    [Fact]
    public void IdsFieldWithATextField_IsRefusedBeforeTheModelLoads()
    {
        File.WriteAllLines(PathOf("in.jsonl"), ["{\"ids\": [2, 5, 3]}"]);
        var run = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.jsonl"), "-o", PathOf("out.npy"), "--ids-field", "ids", "--text-field", "t");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--ids-field takes the ids instead of a text; drop --text-field / --text-column.", run.StandardError);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
