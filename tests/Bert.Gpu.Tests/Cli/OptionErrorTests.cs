using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>Option values are read in the user's terms: errors name the option and the value, on one line, never a .NET type.</summary>
public sealed class OptionErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-options-").FullName;
    private readonly string _model;

    public OptionErrorTests()
    {
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
        File.WriteAllLines(PathOf("in.txt"), ["a text", "another text"]);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("--max-length", "abc", "--max-length 'abc': not a whole number.")]
    [InlineData("--max-length", "1", "--max-length 1: must be at least 2.")]
    [InlineData("--max-batch-size", "-3", "--max-batch-size -3: must be at least 1.")]
    [InlineData("--threads", "x", "--threads 'x': not a whole number.")]
    [InlineData("--stride", "99999999999", "--stride 99999999999: too large (at most 2147483647).")]
    [InlineData("--pooling", "foo", "--pooling 'foo': choose one of cls, mean, max.")]
    [InlineData("--long-text", "zz", "--long-text 'zz': choose one of truncate, window.")]
    [InlineData("--input-format", "xml", "--input-format 'xml': choose one of auto, lines, jsonl, csv.")]
    public void ABadValue_IsOneLineNamingTheOptionAndTheValue(string option, string value, string expected)
    {
        var run = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("out.npy"), option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {expected} (see --help)", run.StandardError.TrimEnd());
        Assert.DoesNotContain("System.", run.StandardError);
    }

    [Fact]
    public void NamesAreReadInAnyCase()
    {
        var run = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("out.npy"), "--pooling", "MEAN", "--device", "CPU", "--long-text", "Truncate");
        Assert.True(run.ExitCode == 0, run.StandardError);
    }

    [Fact]
    public void MaxLengthTwo_EmbedsClsAndSepOnly()
    {
        // 2 is in the stated range [2, positions]: every text becomes [CLS] [SEP], so all rows are the same row.
        var run = CliRunner.Run("embed", "--model", _model, "--device", "cpu", "-i", PathOf("in.txt"), "-o", PathOf("out.npy"), "--max-length", "2");
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("2 texts, 4 tokens", run.StandardError);
        var (rows, columns, values) = NpyFile.Read(PathOf("out.npy"));
        Assert.Equal(2, rows);
        Assert.Equal(values.AsSpan(0, columns).ToArray(), values.AsSpan(columns, columns).ToArray());
    }

    [Fact]
    public void WindowsNeedRoomForText()
    {
        var run = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("out.npy"), "--max-length", "2", "--long-text", "window");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: MaxLength 2 leaves no room for text in a window; windows need a max length of at least 3.", run.StandardError.TrimEnd());
    }

    [Theory]
    [InlineData("in.jsonl", "--text-field", "{\"id\":1,\"body\":\"first text\"}\n{\"id\":2,\"body\":\"second\"}\n")]
    [InlineData("in.csv", "--text-column", "id,body\n1,first text\n2,second\n")]
    public void TokenizeReadsTheTextOfJsonlAndCsv_NotTheirSyntax(string file, string option, string content)
    {
        File.WriteAllText(PathOf(file), content);
        var run = CliRunner.Run("tokenize", "--model", _model, "-i", PathOf(file), option, "body", "-o", PathOf("ids.jsonl"));
        Assert.True(run.ExitCode == 0, run.StandardError);
        var tokenizer = Bert.Gpu.Weights.ModelLoader.Load(_model).Tokenizer;
        var expected = new[] { "first text", "second" }.Select(t => tokenizer.Encode(t, 128).Ids);
        Assert.Equal(expected, File.ReadAllLines(PathOf("ids.jsonl")).Select(l => JsonSerializer.Deserialize<int[]>(l)!));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
