using System.Diagnostics;
using System.Text.Json;
using Bert.Gpu.Tests.CliIo;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>Long <c>embed</c> jobs through the real program: order, crash and resume, input and output formats.</summary>
public sealed class StreamingJobTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-jobs-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Each text's row as the in-process API computes it alone.</summary>
    private float[] Alone(string text, Bert.Gpu.Model.BertModel? model = null)
    {
        using var embedder = new Embedder(model ?? fixture.Model, fixture.Backend!);
        return embedder.Embed([text])[0];
    }

    [Fact]
    public void AKilledTwentyThousandLineJobResumesToEveryRowInInputOrder()
    {
        // A cheap model with the real vocabulary: this test is about the job's mechanics, not MiniLM's numbers.
        var modelDir = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(modelDir);
        var model = Bert.Gpu.Weights.ModelLoader.Load(modelDir);
        var width = model.Config.HiddenSize;
        var lines = Enumerable.Range(0, 20_000)
            .Select(i => i % 997 == 0 ? "" : $"line {i} of {(i % 7 == 0 ? string.Join(' ', Enumerable.Repeat("a much longer text", 1 + i % 20)) : "the job")}")
            .ToArray();
        File.WriteAllLines(PathOf("in.txt"), lines);
        var output = PathOf("out.npy");
        var partial = PathOf(".out.npy.partial");

        // First run: killed (no chance to clean up, like a crash) once some chunks are safely written.
        var first = CliRunner.Start("embed", "-i", PathOf("in.txt"), "-o", output, "--model", modelDir, "--device", "cpu");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(partial) && new FileInfo(partial).Length > 128 + 4L * width * 2000) && !first.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3))
            Thread.Sleep(10);
        Assert.False(first.HasExited, "the job ended before it could be interrupted");
        first.Kill(entireProcessTree: true);
        first.WaitForExit();
        Assert.False(File.Exists(output));

        var resumed = CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", output, "--model", modelDir, "--device", "cpu", "--resume",
            "--stats-json", PathOf("stats.json"));

        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains("resuming after", resumed.StandardError);
        Assert.False(File.Exists(partial));
        var (rows, columns, values) = NpyFile.Read(output);
        Assert.Equal((20_000, width), (rows, columns));
        using var stats = JsonDocument.Parse(File.ReadAllText(PathOf("stats.json")));
        Assert.InRange(stats.RootElement.GetProperty("texts").GetInt64(), 1, 20_000 - 2000);
        foreach (var i in new[] { 0, 1, 997, 1023, 1024, 2047, 2048, 3001, 9999, 12345, 19_999 })
            Assert.InRange(Reference.MaxAbsDiff(Alone(lines[i], model), values.AsSpan(i * width, width)), 0f, 1e-5f);
    }

    [Fact]
    public void JsonlFieldAndCsvColumnInputsFeedParquetAndJsonlOutputs()
    {
        string[] texts = ["first, with a comma", "second \"quoted\"", "third\nwith a newline"];
        File.WriteAllLines(PathOf("in.jsonl"), texts.Select(t => JsonSerializer.Serialize(new { id = 1, body = t })));
        File.WriteAllText(PathOf("in.csv"), "id,body\n" + string.Join("\n", texts.Select((t, i) => $"{i},\"{t.Replace("\"", "\"\"")}\"")) + "\n");

        var fromJsonl = CliRunner.Run("embed", "-i", PathOf("in.jsonl"), "--text-field", "body", "-o", PathOf("a.jsonl"));
        var fromCsv = CliRunner.Run("embed", "-i", PathOf("in.csv"), "--text-column", "body", "-o", PathOf("b.parquet"));
        var missingField = CliRunner.Run("embed", "-i", PathOf("in.jsonl"), "--text-field", "text", "-o", PathOf("c.npy"));

        Assert.True(fromJsonl.ExitCode == 0, fromJsonl.StandardError);
        Assert.True(fromCsv.ExitCode == 0, fromCsv.StandardError);
        var rows = File.ReadAllLines(PathOf("a.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        for (var i = 0; i < texts.Length; i++)
            Assert.InRange(Reference.MaxAbsDiff(Alone(texts[i]), rows[i]), 0f, 1e-5f);
        // Read back on Parquet's own terms (Parquet.Net's reader, not our writer): every value of every row.
        var parquet = EmbeddingFiles.Read(PathOf("b.parquet"), 384);
        Assert.Equal(texts.Length * 384, parquet.Length);
        for (var i = 0; i < texts.Length; i++)
            Assert.InRange(Reference.MaxAbsDiff(Alone(texts[i]), parquet.AsSpan(i * 384, 384)), 0f, 1e-5f);
        // The same texts through the other input and output: the same batch on the same host, so the same bits
        // (JSONL writes floats round-trip).
        Assert.Equal(rows.SelectMany(r => r), parquet);
        Assert.Equal(2, missingField.ExitCode);
        Assert.Contains("in.jsonl:1", missingField.StandardError);
    }

    [Fact]
    public void LongTextWindowsAndBatchOptionsReachTheEmbedder()
    {
        File.WriteAllLines(PathOf("in.txt"), [string.Join(' ', Enumerable.Range(0, 400).Select(i => $"w{i % 13}")), "short"]);

        var windowed = CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", PathOf("w.npy"), "--long-text", "window", "--stride", "100",
            "--max-batch-tokens", "300", "--max-batch-size", "2", "--max-length", "128");
        var truncated = CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", PathOf("t.npy"), "--max-length", "128");
        var tooSmall = CliRunner.Run("embed", "-i", PathOf("in.txt"), "-o", PathOf("x.npy"), "--max-batch-tokens", "64");

        Assert.True(windowed.ExitCode == 0, windowed.StandardError);
        Assert.True(truncated.ExitCode == 0, truncated.StandardError);
        var w = NpyFile.Read(PathOf("w.npy")).Values;
        var t = NpyFile.Read(PathOf("t.npy")).Values;
        Assert.True(Reference.Cosine(w.AsSpan(0, 384), t.AsSpan(0, 384)) < 0.9999, "the long text should be windowed");
        Assert.InRange(Reference.MaxAbsDiff(w.AsSpan(384, 384), t.AsSpan(384, 384)), 0f, 1e-6f);
        Assert.Equal(2, tooSmall.ExitCode);
        Assert.Contains("MaxBatchTokens", tooSmall.StandardError);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
