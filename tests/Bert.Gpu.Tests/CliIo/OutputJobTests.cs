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
    [InlineData("out.npy", "{0}: not a partial output of this tool (its float32 rows in .npy layout)")]
    [InlineData("out.jsonl", "{0}:1: not an embedding row of this tool (the partial file is damaged)")]
    [InlineData("out.parquet", "{0}: not a partial output of this tool (its float32 rows in .npy layout)")]
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
    public async Task ParquetIsWrittenAtTheCommit_InRowGroupsOfAFewMegabytes()
    {
        // 400,000 floats a row: 4 MB row groups hold 2 rows, so 5 rows make 3 groups.
        const int wide = 400_000;
        var rows = EmbeddingFiles.Rows(5, wide, seed: 3);
        var source = new MemoryStream(rows.SelectMany(BitConverter.GetBytes).ToArray());
        var destination = _dir.File("wide.parquet");
        using (var file = File.Create(destination))
            ParquetEmbeddingWriter.Write(source, 5, wide, file);
        Assert.Equal(rows, EmbeddingFiles.Read(destination, wide));
        await using var reader = await Parquet.ParquetReader.CreateAsync(destination);
        Assert.Equal(3, reader.RowGroupCount);
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
