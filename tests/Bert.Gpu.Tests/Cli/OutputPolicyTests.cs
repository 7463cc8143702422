using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// What happens to files that are already there, and errors that must come before the work, not after it: an existing
/// output is replaced only with --overwrite, the input never; a bad output or stats path fails at once; a full disk
/// leaves nothing hidden behind.
/// </summary>
public sealed class OutputPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-policy-").FullName;
    private readonly string _model;

    public OutputPolicyTests()
    {
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
        File.WriteAllLines(PathOf("in.txt"), ["first text", "second text"]);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private CliRunner.Result Embed(params string[] args) =>
        CliRunner.Run(["embed", "--model", _model, "--device", "cpu", "--input", PathOf("in.txt"), .. args]);

    private string[] Files() => Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)!).Order().ToArray();

    private static void AssertOneLineError(CliRunner.Result run, string expected)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {expected}", run.StandardError.TrimEnd());
    }

    [Fact]
    public void AnExistingOutput_IsReplacedOnlyWithOverwrite()
    {
        File.WriteAllText(PathOf("out.npy"), "an earlier result");

        var refused = Embed("--output", PathOf("out.npy"));
        var replaced = Embed("--output", PathOf("out.npy"), "--overwrite");

        AssertOneLineError(refused, $"{PathOf("out.npy")}: exists; pass --overwrite to replace it, or choose another --output.");
        Assert.True(replaced.ExitCode == 0, replaced.StandardError);
        Assert.Equal(2, NpyFile.Read(PathOf("out.npy")).Rows);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheInputIsNeverWrittenOver(bool overwrite)
    {
        var before = File.ReadAllBytes(PathOf("in.txt"));
        var run = CliRunner.Run(["embed", "--model", _model, "--input", PathOf("in.txt"), "--output", PathOf("in.txt"), .. overwrite ? new[] { "--overwrite" } : []]);
        var tokenize = CliRunner.Run(["tokenize", "--model", _model, "--input", PathOf("in.txt"), "--output", PathOf("in.txt"), .. overwrite ? new[] { "--overwrite" } : []]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(2, tokenize.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(PathOf("in.txt")));
        Assert.Equal(["in.txt"], Files());
    }

    [Fact]
    public void ALinkToTheInput_IsTheInput()
    {
        File.CreateSymbolicLink(PathOf("link.jsonl"), PathOf("in.jsonl"));
        File.WriteAllLines(PathOf("in.jsonl"), ["{\"t\":\"a\"}"]);
        var run = CliRunner.Run("embed", "--model", _model, "--input", PathOf("in.jsonl"), "--text-field", "t", "--output", PathOf("link.jsonl"), "--overwrite");
        AssertOneLineError(run, $"{PathOf("link.jsonl")}: is the input file; the input is never written over — choose another --output.");
    }

    [Fact]
    public void TokenizeWritesOnlyJsonLines()
    {
        var run = CliRunner.Run("tokenize", "--model", _model, "--input", PathOf("in.txt"), "--output", PathOf("t.npy"));
        AssertOneLineError(run, $"{PathOf("t.npy")}: tokenize writes JSON Lines (one array of ids per line); name the output .jsonl.");
        Assert.False(File.Exists(PathOf("t.npy")));
    }

    [Fact]
    public void AnOutputThatIsAFolder_FailsBeforeAnyWork()
    {
        Directory.CreateDirectory(PathOf("out.npy"));
        var run = Embed("--output", PathOf("out.npy"));
        AssertOneLineError(run, $"{PathOf("out.npy")}: is a folder; --output names the file to write, e.g. {Path.Combine(PathOf("out.npy"), "embeddings.npy")}.");
        Assert.DoesNotContain("--resume", run.StandardError);
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("a-folder")]
    [InlineData("the-output")]
    public void ABadStatsPath_FailsBeforeAnyWorkAndLeavesNothing(string scenario)
    {
        Directory.CreateDirectory(PathOf("stats-dir"));
        var stats = scenario switch
        {
            "missing-folder" => PathOf("no/such/folder/stats.json"),
            "a-folder" => PathOf("stats-dir"),
            _ => PathOf("out.npy"),
        };

        var run = Embed("--output", PathOf("out.npy"), "--stats-json", stats);

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.Contains(stats, run.StandardError);
        Assert.DoesNotContain("partial", run.StandardError);
        Assert.Equal(["in.txt"], Files());
    }

    [Fact]
    public void StatsAreWrittenBesideACompleteOutput()
    {
        var run = Embed("--output", PathOf("out.npy"), "--stats-json", PathOf("stats.json"));
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(["in.txt", "out.npy", "stats.json"], Files());
    }

    [Fact]
    public void AFullDiskBeforeTheFirstWrite_LeavesNoHiddenFile()
    {
        // A real ENOSPC: a 64 KB tmpfs (mounting needs root, which CI has; elsewhere this test says so and returns).
        if (Environment.UserName != "root")
        {
            Console.WriteLine("AFullDiskBeforeTheFirstWrite_LeavesNoHiddenFile: not root, cannot mount a small tmpfs; not run.");
            return;
        }
        var small = Directory.CreateDirectory(PathOf("small")).FullName;
        Mount("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small);
        try
        {
            File.WriteAllLines(PathOf("many.txt"), Enumerable.Range(0, 3000).Select(i => $"text {i}")); // 3,000 × 32 floats = 384 KB
            foreach (var format in new[] { "npy", "jsonl", "parquet" })
            {
                var run = CliRunner.Run("embed", "--model", _model, "--device", "cpu", "--input", PathOf("many.txt"), "--output", Path.Combine(small, "out." + format));
                Assert.Equal(2, run.ExitCode);
                Assert.Contains("No space left on device", run.StandardError);
                Assert.Single(run.StandardError.TrimEnd().Split('\n'));
                Assert.Empty(Directory.GetFileSystemEntries(small));
            }
        }
        finally
        {
            Mount("umount", small);
        }
    }

    private static void Mount(string command, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(command, args);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
