using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>A text whose embedding comes out NaN stops the job naming its line; the rows before it are kept and resumable.</summary>
public sealed class BadRowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-badrow-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void ANaNRow_IsAnErrorNamingTheLine_AndTheJobResumesOnceTheTextIsGone()
    {
        var model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.WriteOverflowingOn(model, "zebra");
        var lines = Enumerable.Range(1, 3000).Select(i => i == 1500 ? "a zebra" : $"text {i}").ToList();
        File.WriteAllLines(PathOf("in.txt"), lines);
        string[] embed = ["embed", "--model", model, "--device", "cpu", "-i", PathOf("in.txt"), "-o", PathOf("out.npy")];

        var failed = CliRunner.Run(embed);

        Assert.Equal(2, failed.ExitCode);
        Assert.Equal($"error: {PathOf("in.txt")}:1500: the embedding of this text came out NaN or infinite (the encoder overflowed on it), " +
            $"so no row is written for it; fix or remove the text; 1024 rows kept in {PathOf(".out.npy.partial")}; rerun the same command with --resume to continue",
            failed.StandardError.TrimEnd());
        Assert.False(File.Exists(PathOf("out.npy")));

        lines.RemoveAt(1499);
        File.WriteAllLines(PathOf("in.txt"), lines);
        var resumed = CliRunner.Run([.. embed, "--resume"]);

        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Equal(2999, NpyFile.Read(PathOf("out.npy")).Rows);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
