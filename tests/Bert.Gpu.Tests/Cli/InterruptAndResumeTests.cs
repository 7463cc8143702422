using System.Diagnostics;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// Stopping a job with a signal and resuming it, through the real program: a clean stop with the shell's exit code and
/// a message naming what is kept; a resume that completes to the very file an uninterrupted run writes; and a resume
/// refused, naming the change, when the input, the model or an option is not the interrupted run's.
/// </summary>
public sealed class InterruptAndResumeTests : IDisposable
{
    private const int Lines = 6000;

    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-resume-").FullName;
    private readonly string _model;
    private readonly string[] _lines;

    public InterruptAndResumeTests()
    {
        // A cheap model with the real vocabulary: these tests are about the job's mechanics, not MiniLM's numbers.
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
        _lines = Enumerable.Range(0, Lines).Select(i => $"line {i}: {string.Join(' ', Enumerable.Repeat("word", i % 7))}").ToArray(); // short: chunks of 1,024 texts, not cut by characters
        File.WriteAllLines(PathOf("in.txt"), _lines);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string[] Embed(string output, string? model = null) => ["embed", "--model", model ?? _model, "--device", "cpu", "-o", PathOf(output)];

    /// <summary>
    /// Starts a job reading stdin, feeds it 4,096 lines and waits until their first 2,048 rows are in the partial file
    /// (the job keeps up to two more chunks in flight, and now waits for more input); then sends the signals. Deterministic:
    /// nothing depends on how fast the machine is.
    /// </summary>
    private CliRunner.Result InterruptWhileReading(string output, params string[] signals) => InterruptModelWhileReading(_model, output, signals);

    private CliRunner.Result InterruptModelWhileReading(string model, string output, params string[] signals)
    {
        using var job = CliRunner.Start(defaultSignals: true, [.. Embed(output, model), "--input", "-"]);
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        job.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                stderr.Enqueue(e.Data);
        };
        job.BeginErrorReadLine();
        var stdout = job.StandardOutput.ReadToEndAsync();
        foreach (var line in _lines.Take(4096))
            job.StandardInput.WriteLine(line);
        job.StandardInput.Flush();
        var partial = PathOf($".{output}.partial");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(partial) && new FileInfo(partial).Length >= 128 + 2048L * 4 * FastModelDirectory.Config.HiddenSize))
        {
            Assert.False(job.HasExited, "the job ended before it could be interrupted");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no rows were written");
            Thread.Sleep(20);
        }
        for (var i = 0; i < signals.Length; i++)
        {
            if (!CliShell.Signal(job, signals[i]))
                break; // the first one already stopped it
            // Signals of one kind do not queue: a second one sent before the first is handled would be lost.
            clock.Restart();
            while (i + 1 < signals.Length && !stderr.Any(line => line.Contains("stopping after")))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the first signal was not handled");
                Thread.Sleep(20);
            }
        }
        if (signals.Length == 1)
            job.StandardInput.Close(); // the first signal stops after the read in progress: end it, as Ctrl-C ends `cat`
        Assert.True(job.WaitForExit(TimeSpan.FromMinutes(2)), "the job did not stop");
        job.WaitForExit(); // and its stderr is drained
        return new CliRunner.Result(job.ExitCode, stdout.Result, string.Join('\n', stderr));
    }

    private byte[] Uninterrupted()
    {
        var run = CliRunner.Run([.. Embed("whole.npy"), "--input", PathOf("in.txt")]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        return File.ReadAllBytes(PathOf("whole.npy"));
    }

    private static long KeptRows(string stderr)
    {
        var match = System.Text.RegularExpressions.Regex.Match(stderr, @"stopped; (\d+) rows kept in ");
        Assert.True(match.Success, stderr);
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("INT", 130, "SIGINT (Ctrl-C)")]
    [InlineData("TERM", 143, "SIGTERM")]
    public void ASignalStopsCleanly_AndTheResumeCompletesToTheIdenticalFile(string signal, int exitCode, string name)
    {
        var stopped = InterruptWhileReading("out.npy", signal);

        Assert.Equal(exitCode, stopped.ExitCode);
        Assert.DoesNotContain("   at ", stopped.StandardError); // no stack trace
        Assert.Contains($"{name}: stopped; ", stopped.StandardError);
        Assert.Contains($"rows kept in {PathOf(".out.npy.partial")}; rerun the same command with --resume to continue", stopped.StandardError);
        Assert.Contains(KeptRows(stopped.StandardError), new long[] { 2048, 3072, 4096 });
        Assert.False(File.Exists(PathOf("out.npy")));

        var resumed = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("in.txt"), "--resume"]);

        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains($"resuming after {KeptRows(stopped.StandardError)} rows", resumed.StandardError);
        Assert.Equal(Uninterrupted(), File.ReadAllBytes(PathOf("out.npy")));
        Assert.Equal(["in.txt", "out.npy", "whole.npy"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ASecondSignalQuitsAtOnce_AndThePartialIsStillResumable()
    {
        // Stdin stays open: the first SIGINT alone would wait for the read; the second must not. (The first may land
        // between two reads and stop the job itself; then try again, so that the second signal is what ends it.)
        CliRunner.Result stopped;
        var attempts = 0;
        do
        {
            foreach (var file in Directory.GetFiles(_dir, ".out.jsonl.partial*"))
                File.Delete(file);
            stopped = InterruptWhileReading("out.jsonl", "INT", "INT");
        }
        while (!stopped.StandardError.Contains("SIGINT again") && ++attempts < 5);

        Assert.Equal(130, stopped.ExitCode);
        Assert.DoesNotContain("   at ", stopped.StandardError);
        Assert.Contains("SIGINT again: quitting now; ", stopped.StandardError);

        var resumed = CliRunner.Run([.. Embed("out.jsonl"), "--input", PathOf("in.txt"), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        var whole = CliRunner.Run([.. Embed("whole.jsonl"), "--input", PathOf("in.txt")]);
        Assert.True(whole.ExitCode == 0, whole.StandardError);
        Assert.Equal(File.ReadAllBytes(PathOf("whole.jsonl")), File.ReadAllBytes(PathOf("out.jsonl")));
    }

    [Fact]
    public void AResumeIsRefused_NamingWhatChanged()
    {
        var stopped = InterruptWhileReading("out.npy", "INT");
        Assert.Equal(130, stopped.ExitCode);
        var partial = PathOf(".out.npy.partial");
        var before = File.ReadAllBytes(partial);
        File.WriteAllLines(PathOf("shorter.txt"), _lines.Skip(1000)); // 1,000 lines removed
        File.WriteAllLines(PathOf("short.txt"), _lines.Take(100));
        var otherModel = Directory.CreateDirectory(PathOf("model2")).FullName;
        FastModelDirectory.Write(otherModel, seed: 12);

        var changedInput = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("shorter.txt"), "--resume"]);
        var shortInput = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("short.txt"), "--resume"]);
        var changedModel = CliRunner.Run(["embed", "--model", otherModel, "--device", "cpu", "-o", PathOf("out.npy"), "--input", PathOf("in.txt"), "--resume"]);
        var changedOptions = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("in.txt"), "--resume", "--pooling", "max", "--no-normalize"]);
        var noResume = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("in.txt")]);

        Assert.Equal(2, changedInput.ExitCode);
        Assert.Contains("texts of " + PathOf("shorter.txt"), changedInput.StandardError);
        Assert.Contains("are not those the interrupted run embedded — the input changed", changedInput.StandardError);
        Assert.Equal(2, shortInput.ExitCode);
        Assert.Contains($"now has only 100 texts — the input changed", shortInput.StandardError);
        Assert.Equal(2, changedModel.ExitCode);
        Assert.Contains($"--model was '{_model}', now '{otherModel}'", changedModel.StandardError);
        Assert.Equal(2, changedOptions.ExitCode);
        Assert.Contains("--pooling was mean, now max; normalization (--no-normalize) was on, now off", changedOptions.StandardError);
        Assert.Equal(2, noResume.ExitCode);
        Assert.Contains("holds the rows of an interrupted run", noResume.StandardError);
        foreach (var run in new[] { changedInput, shortInput, changedModel, changedOptions, noResume })
            Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.Equal(before, File.ReadAllBytes(partial)); // every refusal left the partial as it was

        var resumed = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("in.txt"), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Equal(Uninterrupted(), File.ReadAllBytes(PathOf("out.npy")));
    }

    /// <summary>
    /// An int8 model is a model of its own: resuming its partial with the fp32 model it came from, or with the same
    /// .qbert path quantized again (other activation scales), is refused, naming the change.
    /// </summary>
    [Fact]
    public void AResumeWithAnotherQuantizationIsRefused()
    {
        var fp32 = Bert.Gpu.Weights.ModelLoader.Load(_model);
        var qbert = PathOf("m.qbert");
        Bert.Gpu.Weights.QbertModel.Save(QuantizedModels.AllUnits(fp32), qbert, "fast", fp32.ContentHash, []);
        var stopped = InterruptModelWhileReading(qbert, "out.npy", "INT");
        Assert.Equal(130, stopped.ExitCode);

        var withFp32 = CliRunner.Run([.. Embed("out.npy"), "--input", PathOf("in.txt"), "--resume"]);
        var dynamicOnly = fp32.WithQuantized(QuantizedModels.AllUnits(fp32).Quantized.ToDictionary(kv => kv.Key,
            kv => kv.Value with { Activations = Bert.Gpu.Quantization.Activations.ActivationQuantization.DynamicPerToken }));
        Bert.Gpu.Weights.QbertModel.Save(dynamicOnly, qbert, "fast", fp32.ContentHash, []);
        var requantized = CliRunner.Run([.. Embed("out.npy", qbert), "--input", PathOf("in.txt"), "--resume"]);

        Assert.Equal(2, withFp32.ExitCode);
        Assert.Contains($"--model was '{qbert}', now '{_model}'", withFp32.StandardError);
        Assert.Equal(2, requantized.ExitCode);
        Assert.Contains($"the model '{qbert}' changed", requantized.StandardError);
    }

    [Fact]
    public void PipedAndSubstitutedInputsEqualTheFile_ByteForByte()
    {
        var fromFile = Uninterrupted();

        var piped = CliShell.Run($"cat in.txt | $CLI embed --model '{_model}' --device cpu --input - --output piped.npy", _dir);
        var devStdin = CliShell.Run($"cat in.txt | $CLI embed --model '{_model}' --device cpu --input /dev/stdin --output stdin.npy", _dir);
        var substituted = CliShell.Run($"$CLI embed --model '{_model}' --device cpu --input <(cat in.txt) --output substituted.npy", _dir);

        foreach (var (run, file) in new[] { (piped, "piped.npy"), (devStdin, "stdin.npy"), (substituted, "substituted.npy") })
        {
            Assert.True(run.ExitCode == 0, run.StandardError);
            Assert.Contains($"{Lines} texts", run.StandardError);
            Assert.Equal(fromFile, File.ReadAllBytes(PathOf(file)));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
