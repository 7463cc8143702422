using System.Diagnostics;
using System.Text.Json;
using Bert.Gpu.Weights;
using Bert.Gpu.Tests.Families;
using Bert.Gpu.Tests.Support;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary>
/// <c>hidden</c> end to end: token-level states equal to PyTorch's last hidden state for every family; for texts, the
/// tokenizer's ids, tokens and offsets, and rows whose mean is <c>embed</c>'s mean pooling (which ONNX Runtime checks);
/// and a task job stopped by a signal says what it kept and resumes to the uninterrupted file.
/// </summary>
public sealed class HiddenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-hidden-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    public static TheoryData<string> Cases => [.. FamilyCheckpoint.Cases];

    private static float[][] Rows(JsonElement line) =>
        [.. line.GetProperty("hidden").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray())];

    [Theory]
    [MemberData(nameof(Cases))]
    public void IdsGiveTorchsLastHiddenState(string name)
    {
        // --ids-field has no type ids, so the fixture's single sequences (type ids all 0) are the ones to compare.
        var checkpoint = FamilyCheckpoint.Load(name);
        var starts = new List<int>();
        var at = 0;
        foreach (var sequence in checkpoint.Sequences)
        {
            starts.Add(at);
            at += sequence.Ids.Length;
        }
        var singles = Enumerable.Range(0, checkpoint.Sequences.Count).Where(i => checkpoint.Sequences[i].TypeIds.All(t => t == 0)).ToList();
        Assert.True(singles.Count >= 3, "the fixture has too few single sequences");
        File.WriteAllLines(PathOf("in.jsonl"), singles.Select(i => JsonSerializer.Serialize(new { ids = checkpoint.Sequences[i].Ids })));

        Succeeds("hidden", "-m", checkpoint.Folder, "-i", PathOf("in.jsonl"), "--ids-field", "ids", "-o", PathOf("out.jsonl"), "-d", "cpu");

        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(singles.Count, lines.Count);
        var width = checkpoint.Expected["last_hidden_state"].Length / at;
        var expected = checkpoint.Expected["last_hidden_state"];
        for (var n = 0; n < singles.Count; n++)
        {
            var sequence = checkpoint.Sequences[singles[n]];
            Assert.Equal(sequence.Ids, lines[n].GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()));
            Assert.False(lines[n].TryGetProperty("offsets", out _)); // ids come without text
            var rows = Rows(lines[n]);
            Assert.Equal(sequence.Ids.Length, rows.Length);
            for (var t = 0; t < rows.Length; t++)
                Assert.InRange(Reference.MaxAbsDiff(expected.AsSpan((starts[singles[n]] + t) * width, width).ToArray(), rows[t]), 0, 1e-4f);
        }
    }

    [Fact]
    public void TextsGiveTheTokenizersTokens_AndRowsThatMeanPoolToEmbeds()
    {
        string[] texts = ["hello world", "The quick brown fox jumps over the lazy dog, twice.", "naïve café — 東京", "x"];
        File.WriteAllLines(PathOf("in.txt"), texts);

        Succeeds("hidden", "-m", "minilm", "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--max-length", "12");
        Succeeds("embed", "-m", "minilm", "-i", PathOf("in.txt"), "-o", PathOf("mean.npy"), "-d", "cpu", "--max-length", "12",
            "--pooling", "mean", "--no-normalize");

        var model = ModelLoader.Load("minilm");
        var lines = ReadLines(PathOf("out.jsonl"));
        var (rows, columns, pooled) = NpyFile.Read(PathOf("mean.npy"));
        Assert.Equal((texts.Length, 384), (rows, columns));
        Assert.Equal(texts.Length, lines.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var encoding = model.Tokenizer.Encode(texts[i], 12);
            Assert.Equal(encoding.Ids, lines[i].GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(encoding.Ids.Select(model.Tokenizer.IdToToken), lines[i].GetProperty("tokens").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal(encoding.Offsets!.Select(o => (o.Start, o.End)),
                lines[i].GetProperty("offsets").EnumerateArray().Select(o => (o[0].GetInt32(), o[1].GetInt32())));
            var hidden = Rows(lines[i]);
            Assert.Equal(encoding.Ids.Length, hidden.Length);
            Assert.All(hidden, row => Assert.Equal(384, row.Length));
            var mean = Enumerable.Range(0, 384).Select(c => hidden.Average(row => row[c])).ToArray();
            Assert.InRange(Reference.MaxAbsDiff(pooled.AsSpan(i * 384, 384).ToArray(), [.. mean.Select(v => (float)v)]), 0, 1e-5f);
        }
        Assert.Equal(12, ReadLines(PathOf("out.jsonl"))[1].GetProperty("ids").GetArrayLength()); // truncated to --max-length
    }

    [Theory]
    [InlineData("INT", 130, "SIGINT (Ctrl-C)")]
    [InlineData("TERM", 143, "SIGTERM")]
    public async Task ASignalStopsATaskAfterItsChunk_AndTheResumeCompletesToTheIdenticalFile(string signal, int exitCode, string name)
    {
        var model = FamilyCheckpoint.Load("bert").Folder;
        var lines = Enumerable.Range(0, 200).Select(i => $"ba be {i % 7} mu").ToArray();
        File.WriteAllLines(PathOf("in.txt"), lines);
        string[] Hidden(string output) => ["hidden", "-m", model, "-d", "cpu", "-o", PathOf(output)];

        // Feed two chunks' worth and wait until the first chunk is written: the job then waits for input, and the
        // signal stops it there; nothing depends on the machine's speed.
        using var job = CliRunner.Start(defaultSignals: true, [.. Hidden("out.jsonl"), "-i", "-"]);
        var stderr = job.StandardError.ReadToEndAsync();
        foreach (var line in lines.Take(100))
            job.StandardInput.WriteLine(line);
        job.StandardInput.Flush();
        var partial = PathOf(".out.jsonl.partial");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(partial + ".json"))
        {
            Assert.False(job.HasExited, "the job ended before it could be interrupted");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no chunk was written");
            Thread.Sleep(20);
        }
        Assert.True(CliShell.Signal(job, signal));
        Thread.Sleep(200);
        job.StandardInput.Close(); // as Ctrl-C ends `cat`
        Assert.True(job.WaitForExit(TimeSpan.FromMinutes(2)), "the job did not stop");

        Assert.Equal(exitCode, job.ExitCode);
        var messages = await stderr;
        Assert.DoesNotContain("   at ", messages);
        Assert.Contains($"{name}: stopped; 64 inputs' lines kept in {partial}; rerun the same command with --resume to continue", messages);
        Assert.Equal(64, File.ReadAllLines(partial).Length);
        Assert.False(File.Exists(PathOf("out.jsonl")));

        var resumed = CliRunner.Run([.. Hidden("out.jsonl"), "-i", PathOf("in.txt"), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains("resuming after 64 inputs", resumed.StandardError);
        Succeeds([.. Hidden("whole.jsonl"), "-i", PathOf("in.txt")]);
        Assert.Equal(File.ReadAllBytes(PathOf("whole.jsonl")), File.ReadAllBytes(PathOf("out.jsonl")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
