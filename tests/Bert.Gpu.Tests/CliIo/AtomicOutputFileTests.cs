using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>The one-shot temporary file <c>tokenize</c> writes through: renamed on commit, gone otherwise.</summary>
public sealed class AtomicOutputFileTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Commit_RenamesOntoTheDestination()
    {
        var destination = _dir.Write("ids.jsonl", "old\n");
        using (var file = new AtomicOutputFile(destination))
        {
            Assert.Equal(_dir.File($".ids.jsonl.{Environment.ProcessId}.partial"), file.TemporaryPath);
            file.Stream.Write("[1,2]\n"u8);
            Assert.Equal("old\n", File.ReadAllText(destination));
            file.Commit();
        }
        Assert.Equal("[1,2]\n", File.ReadAllText(destination));
        Assert.Equal(["ids.jsonl"], _dir.Files());
    }

    [Fact]
    public void DisposeWithoutCommit_DeletesTheTemporaryFile()
    {
        using (var file = new AtomicOutputFile(_dir.File("ids.jsonl")))
            file.Stream.Write("[1,2]\n"u8);
        Assert.Empty(_dir.Files());
    }
}
