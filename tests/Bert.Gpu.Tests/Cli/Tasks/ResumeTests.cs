using Bert.Gpu.Tests.Support;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary>A task job that failed part-way keeps the chunks it wrote; <c>--resume</c> continues the very same job only.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-task-resume-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static readonly string[] Syllables = ["ba", "be", "bo", "mu", "na", "ne", "ku", "la", "ta", "ti"];

    private static List<string> Records(int count, int? badLine = null) => Enumerable.Range(1, count)
        .Select(i => i == badLine ? "{\"text\": 7}" : $"{{\"text\": \"{Syllables[i % 10]} {Syllables[i * 7 % 10]} {Syllables[i * 3 % 10]}\"}}")
        .ToList();

    private CliRunner.Result Classify(string output, params string[] more) =>
        CliRunner.Run(["classify", "-m", Folder("bert-seqcls"), "-i", PathOf("in.jsonl"), "--text-field", "text", "-o", PathOf(output), "-d", "cpu", .. more]);

    [Fact]
    public void AFailedJobKeepsItsChunks_AndResumeGivesTheFileAnUninterruptedRunWrites()
    {
        File.WriteAllLines(PathOf("in.jsonl"), Records(150));
        Assert.Equal(0, Classify("fresh.jsonl").ExitCode);

        File.WriteAllLines(PathOf("in.jsonl"), Records(150, badLine: 140));
        var failed = Classify("out.jsonl");
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal($"error: {PathOf("in.jsonl")}:140: field \"text\" is a number, not a string; check --text-field.; 128 inputs' lines kept in {PathOf(".out.jsonl.partial")}; rerun the same command with --resume to continue", failed.StandardError.Trim());
        Assert.False(File.Exists(PathOf("out.jsonl")));
        Assert.Equal(File.ReadAllLines(PathOf("fresh.jsonl")).Take(128), File.ReadAllLines(PathOf(".out.jsonl.partial")));

        var again = Classify("out.jsonl");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("pass --resume to continue it, or --overwrite to start over", again.StandardError);

        File.WriteAllLines(PathOf("in.jsonl"), Records(150));
        File.AppendAllText(PathOf(".out.jsonl.partial"), "{\"label\": \"torn"); // a chunk cut short by a kill
        var resumed = Classify("out.jsonl", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains("resuming after 128 inputs", resumed.StandardError);
        Assert.Equal(File.ReadAllBytes(PathOf("fresh.jsonl")), File.ReadAllBytes(PathOf("out.jsonl")));
        Assert.Equal(["fresh.jsonl", "in.jsonl", "out.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ResumeRefusesAnotherJobOrAChangedInput()
    {
        File.WriteAllLines(PathOf("in.jsonl"), Records(100, badLine: 90));
        Assert.Equal(2, Classify("out.jsonl").ExitCode);

        var options = Classify("out.jsonl", "--resume", "--top-k", "1");
        Assert.Equal(2, options.ExitCode);
        Assert.Contains($"cannot resume {PathOf(".out.jsonl.partial")}: it was written by another job", options.StandardError);

        var changed = Records(100);
        changed[10] = "{\"text\": \"something else\"}";
        File.WriteAllLines(PathOf("in.jsonl"), changed);
        var input = Classify("out.jsonl", "--resume");
        Assert.Equal(2, input.ExitCode);
        Assert.Contains($"cannot resume {PathOf(".out.jsonl.partial")}: the first 64 inputs of {PathOf("in.jsonl")} (to line 64) are not those the interrupted run read", input.StandardError);

        Assert.Equal(0, Classify("out.jsonl", "--overwrite").ExitCode);
        Assert.Equal(100, File.ReadAllLines(PathOf("out.jsonl")).Length);
        Assert.Equal(["in.jsonl", "out.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
