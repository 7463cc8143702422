using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>The command-line program end to end, in a child process, against the oracles.</summary>
public sealed class CliTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-cli-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    private IReadOnlyList<(string Text, int[] Ids)> HeldOutLines(int count) =>
        HeldOutTexts.Load(count, fixture.Model.MaxLength).Where(t => !t.Text.Contains('\n') && !t.Text.Contains('\r')).ToList();

    /// <summary>
    /// Least cosine between a written row and ONNX Runtime's pooled row: the project's fp32 bound. Measured on the host:
    /// 1 − 6e-13. With one word piece dropped from the expected ids (first, middle or last of each text) the closest
    /// row scored 0.99986 (the 256-token texts, last piece) and most below 0.999.
    /// </summary>
    private const double RowCosine = 0.99999;

    /// <summary>
    /// Largest |Δ| of one element of a unit-normalized row (elements are about 1/√384 ≈ 0.05). Measured on the host:
    /// 1.8e-7; with one word piece dropped, every row is off by at least 2.7e-3 somewhere.
    /// </summary>
    private const float RowTolerance = 1e-5f;

    [Fact]
    public void EmbedWritesNpyMatchingHuggingFaceTokensOnnxRuntimeAndPooling()
    {
        // Held-out lines, and long texts the CLI must truncate at MiniLM's 256 tokens as HuggingFace does.
        var maxLength = fixture.Model.MaxLength;
        var texts = HeldOutLines(30).Concat(LongTexts.Load(maxLength, singleLine: true)).ToList();
        Assert.True(texts.Count(t => t.Ids.Length == maxLength) >= 2, "the long texts must reach the max length");
        File.WriteAllLines(PathOf("in.txt"), texts.Select(t => t.Text));

        var run = CliRunner.Run("embed", "--input", PathOf("in.txt"), "--output", PathOf("out.npy"), "--stats-json", PathOf("stats.json"));

        Assert.True(run.ExitCode == 0, run.StandardError);
        var (rows, columns, values) = NpyFile.Read(PathOf("out.npy"));
        Assert.Equal((texts.Count, 384), (rows, columns));
        var oracle = fixture.Oracle.LastHiddenState(texts.Select(t => t.Ids).ToList(), texts.Select(t => new int[t.Ids.Length]).ToList());
        var offset = 0;
        for (var i = 0; i < rows; i++)
        {
            var pooled = Reference.Pool(oracle.AsSpan(offset * 384, texts[i].Ids.Length * 384), 384, fixture.Model.DefaultPooling);
            offset += texts[i].Ids.Length;
            var norm = Math.Sqrt(pooled.Sum(v => (double)v * v));
            var expected = pooled.Select(v => (float)(v / norm)).ToArray();
            var row = values.AsSpan(i * 384, 384);
            var cosine = Reference.Cosine(expected, row);
            Assert.True(cosine >= RowCosine, $"row {i} ({texts[i].Ids.Length} tokens): cosine {cosine:R}");
            Assert.InRange(Reference.MaxAbsDiff(expected, row), 0f, RowTolerance);
        }
        using var stats = JsonDocument.Parse(File.ReadAllText(PathOf("stats.json")));
        Assert.Equal(texts.Count, stats.RootElement.GetProperty("texts").GetInt64());
        Assert.Equal(texts.Sum(t => t.Ids.Length), stats.RootElement.GetProperty("tokens").GetInt64());
        Assert.True(stats.RootElement.GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.StartsWith("host", stats.RootElement.GetProperty("device").GetString());
        Assert.Equal("fp32", stats.RootElement.GetProperty("precision").GetString()); // auto on the host
        Assert.True(stats.RootElement.GetProperty("seconds").GetDouble() > 0);
    }

    [Fact]
    public void JsonlOutputHoldsTheSameVectorsAsNpy()
    {
        File.WriteAllLines(PathOf("in.txt"), ["first line", "", "a third line, after an empty one"]);
        Assert.Equal(0, CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", PathOf("out.npy")).ExitCode);
        Assert.Equal(0, CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl")).ExitCode);

        var npy = NpyFile.Read(PathOf("out.npy"));
        var lines = File.ReadAllLines(PathOf("out.jsonl"));
        Assert.Equal(3, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var vector = doc.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(npy.Values.AsSpan(i * 384, 384).ToArray(), vector);
        }
    }

    [Fact]
    public void TokenizeWritesHuggingFaceIds()
    {
        var texts = HeldOutLines(20);
        File.WriteAllLines(PathOf("in.txt"), texts.Select(t => t.Text));

        var run = CliRunner.Run("tokenize", "--input", PathOf("in.txt"), "--output", PathOf("ids.jsonl"));

        Assert.True(run.ExitCode == 0, run.StandardError);
        var lines = File.ReadAllLines(PathOf("ids.jsonl"));
        Assert.Equal(texts.Select(t => t.Ids), lines.Select(l => JsonSerializer.Deserialize<int[]>(l)!));
    }

    [Theory]
    [InlineData("missing-input", "no such input file")]
    [InlineData("unknown-device", "tpu")]
    [InlineData("bad-model", "no-such-model")]
    [InlineData("bad-format", ".csv")]
    [InlineData("cuda-absent", "CUDA")]
    public void ErrorsExitWithCode2OneLineAndNoOutput(string scenario, string mentioned)
    {
        File.WriteAllLines(PathOf("in.txt"), ["hello"]);
        var input = scenario == "missing-input" ? PathOf("absent.txt") : PathOf("in.txt");
        var output = PathOf(scenario == "bad-format" ? "out.csv" : "out.npy");
        string[] extra = scenario switch
        {
            "unknown-device" => ["--device", "tpu"],
            "bad-model" => ["--model", PathOf("no-such-model")],
            "cuda-absent" => ["--device", "cuda"],
            _ => [],
        };

        var run = CliRunner.Run(["embed", "--input", input, "--output", output, .. extra]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(mentioned, run.StandardError);
        Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.partial"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
