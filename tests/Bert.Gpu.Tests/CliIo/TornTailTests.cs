using System.Text;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>A run killed in the middle of a write leaves a torn file; resuming cuts it back to the last whole write.</summary>
public sealed class TornTailTests : IDisposable
{
    private const int Width = 5;
    private static readonly int[] Chunks = [3, 1, 6, 2];

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("out.npy", "\u0001\u0002\u0003\u0004\u0005\u0006\u0007")]
    [InlineData("out.jsonl", "{\"embedding\":[0.25,-1")]
    public void TornLastRow_IsCutOff(string file, string tail)
    {
        var partial = Interrupt(file, chunks: 2);
        File.AppendAllText(partial, tail, Encoding.Latin1);
        ResumeAndFinish(file, expectedDone: 4);
    }

    [Fact]
    public void TornNpyHeader_StartsOver()
    {
        var partial = Interrupt("out.npy", chunks: 1);
        using (var stream = File.OpenWrite(partial))
            stream.SetLength(50);
        ResumeAndFinish("out.npy", expectedDone: 0);
    }

    [Fact]
    public void ParquetKeepsNpyRowsUntilTheCommit_SoATornRowIsCutAsForNpy()
    {
        var partial = Interrupt("out.parquet", chunks: 2);
        File.AppendAllText(partial, "\u0001\u0002\u0003", Encoding.Latin1);
        ResumeAndFinish("out.parquet", expectedDone: 4);
    }

    [Fact]
    public void ParquetKilledWhileConverting_IsConvertedAgain()
    {
        // A run killed while writing the Parquet file leaves the partial, its manifest and a half-written .converting.
        Interrupt("out.parquet", chunks: 4);
        File.WriteAllBytes(_dir.File(".out.parquet.converting"), [.. "PAR1"u8, 1, 2, 3]);
        ResumeAndFinish("out.parquet", expectedDone: 12);
    }

    /// <summary>Writes the first <paramref name="chunks"/> chunks and ends without a commit; returns the kept partial file.</summary>
    private string Interrupt(string file, int chunks)
    {
        using var job = JobFiles.Open(_dir.File(file), Width, resume: false);
        for (var c = 0; c < chunks; c++)
            job.Write(EmbeddingFiles.Rows(Chunks[c], Width, seed: c), JobFiles.InputAfter(c));
        return job.PartialPath;
    }

    /// <summary>Resumes, writes the chunks not yet done and checks the result is the whole, uninterrupted output.</summary>
    private void ResumeAndFinish(string file, int expectedDone)
    {
        var destination = _dir.File(file);
        using (var job = JobFiles.Open(destination, Width, resume: true))
        {
            Assert.Equal(expectedDone, job.ResumedFrom.Rows);
            var c = 0;
            for (var done = 0; done < expectedDone; c++)
                done += Chunks[c];
            for (; c < Chunks.Length; c++)
                job.Write(EmbeddingFiles.Rows(Chunks[c], Width, seed: c), JobFiles.InputAfter(c));
            job.Commit();
        }
        var expected = Enumerable.Range(0, Chunks.Length).SelectMany(c => EmbeddingFiles.Rows(Chunks[c], Width, seed: c));
        Assert.Equal(expected, EmbeddingFiles.Read(destination, Width));
        Assert.Equal([file], _dir.Files());
    }
}
