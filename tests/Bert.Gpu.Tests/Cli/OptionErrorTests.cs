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
    public void Fp16OnTheCpu_IsTheSameOneLineErrorForServeAsForEmbed()
    {
        // serve once let the embedder's NotSupportedException through unhandled; it is the --precision error embed prints.
        var serve = CliRunner.Run("serve", "--model", _model, "--precision", "fp16", "--device", "cpu", "--port", "0");
        var embed = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("out.npy"), "--precision", "fp16", "--device", "cpu");
        Assert.Equal(2, serve.ExitCode);
        var line = Assert.Single(serve.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("--precision fp16", line);
        Assert.Contains("fp16", line.Split("--precision fp16", 2)[1]);
        Assert.DoesNotContain("System.", serve.StandardError);
        Assert.DoesNotContain("Unhandled", serve.StandardError);
        Assert.Equal(2, embed.ExitCode);
        Assert.Equal(embed.StandardError.TrimEnd(), line);
    }

    [SkippableTheory]
    [InlineData("sse", "BERT_GPU_HOST_ISA='sse' names no host path; use avx512, avx2 or portable")]
    [InlineData("avx512", "BERT_GPU_HOST_ISA=avx512: this CPU cannot run the AVX-512 path natively")]
    public void AHostPathTheCpuLacks_IsOneLineSayingWhatItHas(string value, string expected)
    {
        Skip.If(value == "avx512" && System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "this CPU has AVX-512");
        var run = CliRunner.RunWith([("BERT_GPU_HOST_ISA", value)], "embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("out.npy"));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {expected}", run.StandardError);
        Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.False(File.Exists(PathOf("out.npy")));
    }

    [SkippableFact]
    public void TheForcedPortablePath_WritesTheSameRowsAndSaysSo()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Fma.IsSupported, "the portable path fuses multiply-adds only where the CPU has FMA");
        var best = CliRunner.Run("embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("best.npy"), "--device", "cpu");
        var portable = CliRunner.RunWith([("BERT_GPU_HOST_ISA", "portable")],
            "embed", "--model", _model, "-i", PathOf("in.txt"), "-o", PathOf("portable.npy"), "--device", "cpu");
        Assert.Equal(0, best.ExitCode);
        Assert.Equal(0, portable.ExitCode);
        Assert.Contains("portable Vector128", portable.StandardError);
        Assert.Equal(File.ReadAllBytes(PathOf("best.npy")), File.ReadAllBytes(PathOf("portable.npy")));
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
