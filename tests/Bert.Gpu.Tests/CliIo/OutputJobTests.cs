using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Tests.CliIo;

public sealed class OutputJobTests : IDisposable
{
    private const int Width = 5;
    private static readonly int[] Chunks = [3, 1, 0, 6, 2];

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Formats => new() { "out.npy", "out.jsonl", "out.parquet" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void ChunksReadBackInOrder_DestinationAppearsOnlyOnCommit(string file)
    {
        var destination = _dir.File(file);
        var expected = new List<float>();
        using (var job = JobFiles.Open(destination, Width, resume: false))
        {
            Assert.Equal(0, job.ResumedFrom.Rows);
            Assert.Equal(_dir.File($".{file}.partial"), job.PartialPath);
            for (var c = 0; c < Chunks.Length; c++)
            {
                var rows = EmbeddingFiles.Rows(Chunks[c], Width, seed: c);
                job.Write(rows, "input");
                expected.AddRange(rows);
                Assert.False(File.Exists(destination));
            }
            Assert.Equal(12, job.Rows);
            job.Commit();
        }
        Assert.Equal(expected, EmbeddingFiles.Read(destination, Width));
        Assert.Equal([file], _dir.Files());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void NoRows_CommitWritesAnEmptyFile(string file)
    {
        var destination = _dir.File(file);
        using (var job = JobFiles.Open(destination, Width, resume: false))
            job.Commit();
        Assert.Empty(EmbeddingFiles.Read(destination, Width));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void NoRows_DisposeLeavesNothing(string file)
    {
        using (var job = JobFiles.Open(_dir.File(file), Width, resume: true))
            job.Write(Array.Empty<float>(), "input");
        Assert.Empty(_dir.Files());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Interrupted_ThenResumed_EqualsAnUninterruptedRun(string file)
    {
        var whole = _dir.File("whole" + Path.GetExtension(file));
        var destination = _dir.File(file);
        using (var job = JobFiles.Open(whole, Width, resume: false))
        {
            for (var c = 0; c < Chunks.Length; c++)
                job.Write(EmbeddingFiles.Rows(Chunks[c], Width, seed: c), JobFiles.InputAfter(c));
            job.Commit();
        }

        using (var job = JobFiles.Open(destination, Width, resume: false))
        {
            job.Write(EmbeddingFiles.Rows(Chunks[0], Width, seed: 0), JobFiles.InputAfter(0));
            job.Write(EmbeddingFiles.Rows(Chunks[1], Width, seed: 1), JobFiles.InputAfter(1));
        }
        Assert.False(File.Exists(destination));
        Assert.True(File.Exists(_dir.File($".{file}.partial")));

        using (var job = JobFiles.Open(destination, Width, resume: true))
        {
            Assert.Equal(4, job.ResumedFrom.Rows);
            for (var c = 2; c < Chunks.Length; c++)
                job.Write(EmbeddingFiles.Rows(Chunks[c], Width, seed: c), JobFiles.InputAfter(c));
            job.Commit();
        }

        Assert.Equal(EmbeddingFiles.Read(whole, Width), EmbeddingFiles.Read(destination, Width));
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(destination));
        Assert.Equal(["out" + Path.GetExtension(file), "whole" + Path.GetExtension(file)], _dir.Files().Order());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void ResumeTwice_KeepsCounting(string file)
    {
        var destination = _dir.File(file);
        var expected = new List<float>();
        for (var run = 0; run < 3; run++)
        {
            using var job = JobFiles.Open(destination, Width, resume: true);
            Assert.Equal(2 * run, job.ResumedFrom.Rows);
            var rows = EmbeddingFiles.Rows(2, Width, seed: run);
            job.Write(rows, "input");
            expected.AddRange(rows);
        }
        using (var job = JobFiles.Open(destination, Width, resume: true))
        {
            Assert.Equal(6, job.ResumedFrom.Rows);
            job.Commit();
        }
        Assert.Equal(expected, EmbeddingFiles.Read(destination, Width));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void WithoutResume_APartialFileIsOverwritten(string file)
    {
        var destination = _dir.File(file);
        using (var job = JobFiles.Open(destination, Width, resume: false))
            job.Write(EmbeddingFiles.Rows(4, Width, seed: 1), "input");
        var rows = EmbeddingFiles.Rows(2, Width, seed: 2);
        using (var job = JobFiles.Open(destination, Width, resume: false))
        {
            Assert.Equal(0, job.ResumedFrom.Rows);
            job.Write(rows, "input");
            job.Commit();
        }
        Assert.Equal(rows, EmbeddingFiles.Read(destination, Width));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void ResumeWithAnotherWidth_IsRefusedNamingIt(string file)
    {
        var destination = _dir.File(file);
        using (var job = JobFiles.Open(destination, Width, resume: false))
            job.Write(EmbeddingFiles.Rows(2, Width, seed: 1), "input");
        var error = Assert.Throws<CliException>(() => JobFiles.Open(destination, 4, resume: true));
        Assert.Equal($"cannot resume {_dir.File($".{file}.partial")}: the embedding width was 5, now 4. " +
            "Rerun with the options of the interrupted run, or pass --overwrite to start over.", error.Message);
    }

    [Theory]
    [InlineData("out.npy", "{0}: not a partial .npy file of this tool")]
    [InlineData("out.jsonl", "{0}:1: not an embedding row of this tool (the partial file is damaged)")]
    [InlineData("out.parquet", "{0}: not a readable partial .parquet file of this tool")]
    public void ResumeOfAForeignFile_IsRefusedAndTheFileKept(string file, string expected)
    {
        using (var job = JobFiles.Open(_dir.File(file), Width, resume: false))
            job.Write(EmbeddingFiles.Rows(2, Width, seed: 1), "input");
        var partial = _dir.Write($".{file}.partial", new string('#', 300) + "\n" + new string('#', 300) + "\n");
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File(file), Width, resume: true));
        Assert.Equal(string.Format(expected, partial) + "; delete it, or pass --overwrite to start over.", error.Message);
        Assert.Equal(602, new FileInfo(partial).Length);
    }

    [Fact]
    public async Task ParquetRowsAreGatheredIntoRowGroups_AndNoneIsLostOnAStop()
    {
        // Row groups of 4 rows: chunks of 3 and 1 make one, 6 goes out alone (it fills one), 2 waits for the commit.
        var destination = _dir.File("out.parquet");
        var expected = new List<float>();
        using (var job = JobFiles.Open(destination, Width, resume: false, parquetRowGroupRows: 4))
        {
            foreach (var (rows, c) in Chunks.Select((r, c) => (r, c)))
            {
                var values = EmbeddingFiles.Rows(rows, Width, seed: c);
                job.Write(values, JobFiles.InputAfter(c));
                expected.AddRange(values);
                Assert.Equal(c switch { 0 => 0, 1 or 2 => 4, _ => 10 }, job.Rows);
            }
            job.Commit();
        }
        Assert.Equal(expected, EmbeddingFiles.Read(destination, Width));
        await using (var reader = await Parquet.ParquetReader.CreateAsync(destination))
            Assert.Equal(3, reader.RowGroupCount);

        // A job stopped with rows still gathered writes them out as it ends: a resume finds all of them.
        File.Delete(destination);
        using (var job = JobFiles.Open(destination, Width, resume: false, parquetRowGroupRows: 4))
            job.Write(EmbeddingFiles.Rows(3, Width, seed: 0), JobFiles.InputAfter(0));
        using (var job = JobFiles.Open(destination, Width, resume: true, parquetRowGroupRows: 4))
            Assert.Equal((3L, JobFiles.InputAfter(0)), (job.ResumedFrom.Rows, job.ResumedFrom.InputSha256));
    }

    [Fact]
    public void UnknownFormat_ListsTheKnownOnes()
    {
        var destination = _dir.File("out.csv");
        var error = Assert.Throws<CliException>(() => JobFiles.Open(destination, Width, resume: false));
        Assert.Equal($"{destination}: unknown output format '.csv'; use {OutputJob.Formats}.", error.Message);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void MissingFolder_IsAClearError()
    {
        var destination = Path.Combine(_dir.Path, "no", "out.npy");
        var error = Assert.Throws<CliException>(() => JobFiles.Open(destination, Width, resume: false));
        Assert.Equal($"{destination}: the output folder '{Path.GetDirectoryName(destination)}' does not exist.", error.Message);
    }

    [Fact]
    public void TwoJobsOnOneDestination_TheSecondIsRefused()
    {
        var destination = _dir.File("out.npy");
        using var first = JobFiles.Open(destination, Width, resume: false);
        var error = Assert.Throws<CliException>(() => JobFiles.Open(destination, Width, resume: true));
        Assert.StartsWith($"{first.PartialPath}: cannot open it (", error.Message);
        Assert.EndsWith($"); is another run writing {destination}?", error.Message);
    }
}
