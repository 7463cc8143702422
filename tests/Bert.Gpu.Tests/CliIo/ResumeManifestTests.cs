using System.Buffers.Binary;
using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>
/// A resume continues only the job that wrote the partial file: same model and options (named when they differ), the
/// rows it holds intact, row for row — the job manifest beside the partial file is what proves it.
/// </summary>
public sealed class ResumeManifestTests : IDisposable
{
    private const int Width = 4;

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Formats => new() { "out.npy", "out.jsonl", "out.parquet" };

    private string Partial(string file) => _dir.File($".{file}.partial");

    /// <summary>Two chunks of 3 rows, then an interruption.</summary>
    private void Interrupt(string file, string pooling = "mean")
    {
        using var job = JobFiles.Open(_dir.File(file), Width, resume: false, pooling);
        job.Write(EmbeddingFiles.Rows(3, Width, seed: 0), JobFiles.InputAfter(0));
        job.Write(EmbeddingFiles.Rows(3, Width, seed: 1), JobFiles.InputAfter(1));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void TheResumeStartsAfterTheLastChunk_WithItsInputHash(string file)
    {
        Interrupt(file);
        Assert.True(File.Exists(JobManifest.PathFor(Partial(file))));
        using var job = JobFiles.Open(_dir.File(file), Width, resume: true);
        Assert.Equal(6, job.ResumedFrom.Rows);
        Assert.Equal(JobFiles.InputAfter(1), job.ResumedFrom.InputSha256);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void AnotherOption_IsRefusedNamingTheOptionAndBothValues(string file)
    {
        Interrupt(file, pooling: "mean");
        var before = File.ReadAllBytes(Partial(file));
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File(file), Width, resume: true, pooling: "max"));
        Assert.Contains("--pooling was mean, now max", error.Message);
        Assert.Equal(before, File.ReadAllBytes(Partial(file))); // refused before anything was touched
    }

    [Fact]
    public void AnotherModel_IsRefusedNamingBoth()
    {
        Interrupt("out.npy");
        var other = JobFiles.Identity(Width) with { Model = "arctic-xs", ModelHash = "ffff" };
        var error = Assert.Throws<CliException>(() => Bert.Gpu.Cli.Output.OutputJob.Open(_dir.File("out.npy"), other, "input.txt", resume: true));
        Assert.Contains("--model was 'test-model', now 'arctic-xs'", error.Message);
    }

    [Fact]
    public void ADamagedRowInTheMiddleOfJsonl_IsRefusedNamingItsLine()
    {
        Interrupt("out.jsonl");
        var lines = File.ReadAllLines(Partial("out.jsonl"));
        lines[2] = lines[2].Replace(",", ",,");
        File.WriteAllLines(Partial("out.jsonl"), lines);
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File("out.jsonl"), Width, resume: true));
        Assert.StartsWith($"{Partial("out.jsonl")}:3: not an embedding row of this tool", error.Message);
    }

    [Fact]
    public void AJsonlRowWithAnotherValue_IsRefusedByTheRowHash()
    {
        Interrupt("out.jsonl");
        var lines = File.ReadAllLines(Partial("out.jsonl"));
        lines[1] = "{\"embedding\":[1,2,3,4]}"; // well-formed, of the right width, but not what was written
        File.WriteAllLines(Partial("out.jsonl"), lines);
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File("out.jsonl"), Width, resume: true));
        Assert.Contains("are not those its manifest recorded", error.Message);
    }

    [Fact]
    public void AFlippedByteInTheMiddleOfNpy_IsRefusedByTheRowHash()
    {
        Interrupt("out.npy");
        using (var stream = File.Open(Partial("out.npy"), FileMode.Open))
        {
            stream.Position = 128 + 4 * Width * 2 + 1; // row 3 of 6
            var b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x10));
        }
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File("out.npy"), Width, resume: true));
        Assert.Contains("its first 6 rows are not those its manifest recorded", error.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void APartialWithoutItsManifest_IsRefused(string file)
    {
        Interrupt(file);
        File.Delete(JobManifest.PathFor(Partial(file)));
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File(file), Width, resume: true));
        Assert.Contains("no manifest", error.Message);
        Assert.True(File.Exists(Partial(file)));
    }

    [Fact]
    public void RowsBeyondWhatTheManifestEverRecorded_AreRefused()
    {
        Interrupt("out.npy");
        using (var stream = File.Open(Partial("out.npy"), FileMode.Append))
            stream.Write(new byte[4 * Width * 2]);
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File("out.npy"), Width, resume: true));
        Assert.Contains("holds 8 rows, more than its manifest has ever recorded (6)", error.Message);
    }

    [Fact]
    public void AKillDuringAChunkWrite_ResumesAtTheChunkBefore()
    {
        // The manifest names the chunk being written as pending before its rows go out: with only part of them
        // written, the resume goes back to the chunk before, cutting the part.
        Interrupt("out.npy");
        var manifest = JobManifest.Load(JobManifest.PathFor(Partial("out.npy")), Partial("out.npy"))!;
        Assert.Equal((3L, 6L), (manifest.Committed.Rows, manifest.Pending!.Rows));
        using (var stream = File.Open(Partial("out.npy"), FileMode.Open))
            stream.SetLength(128 + 4 * Width * 4 + 5); // rows 4 and 5 of the second chunk lost, a torn sixth
        using var job = JobFiles.Open(_dir.File("out.npy"), Width, resume: true);
        Assert.Equal(3, job.ResumedFrom.Rows);
        Assert.Equal(JobFiles.InputAfter(0), job.ResumedFrom.InputSha256);
        Assert.Equal(128 + 4 * Width * 3, new FileInfo(Partial("out.npy")).Length);
    }

    [Fact]
    public void ADamagedManifest_IsAClearError()
    {
        Interrupt("out.npy");
        File.WriteAllText(JobManifest.PathFor(Partial("out.npy")), "{\"manifest_version\": 1, \"identity\":");
        var error = Assert.Throws<CliException>(() => JobFiles.Open(_dir.File("out.npy"), Width, resume: true));
        Assert.Contains("is damaged", error.Message);
    }

    [Fact]
    public void RowHashesAgreeAcrossFormats()
    {
        // The rows are hashed as float32 bytes, whatever their format, so the same rows verify the same everywhere.
        foreach (var file in new[] { "out.npy", "out.jsonl", "out.parquet" })
            Interrupt(file);
        var hashes = new[] { "out.npy", "out.jsonl", "out.parquet" }
            .Select(f => JobManifest.Load(JobManifest.PathFor(Partial(f)), Partial(f))!.Pending!.OutputSha256).Distinct();
        using var expected = new RunningHash();
        expected.AppendRows(EmbeddingFiles.Rows(3, Width, seed: 0));
        expected.AppendRows(EmbeddingFiles.Rows(3, Width, seed: 1));
        Assert.Equal([expected.Current], hashes);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(
            [.. EmbeddingFiles.Rows(3, Width, seed: 0).Concat(EmbeddingFiles.Rows(3, Width, seed: 1)).SelectMany(Bytes)]), Convert.FromHexString(expected.Current));
    }

    private static byte[] Bytes(float value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        return bytes;
    }
}
