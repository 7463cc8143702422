using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Progress;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>Progress that shows on any terminal and comes often enough on long documents.</summary>
public sealed class ProgressTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void ATerminalThatReportsNoWidth_GetsTheWholeLine(int columns)
    {
        using var output = new StringWriter();
        using var progress = new ProgressReporter(output, terminal: true, () => columns, inputBytes: 1000, alreadyDone: 0);
        progress.Written(3, 500);
        progress.Draw();
        Assert.StartsWith("\r[############............] 50% of the input, 3 texts, ", output.ToString());
    }

    [Fact]
    public void ALineIsCutToTheTerminal_AndALongerOneBeforeItIsPaddedOver()
    {
        using var output = new StringWriter();
        var columns = 200;
        using var progress = new ProgressReporter(output, terminal: true, () => columns, inputBytes: null, alreadyDone: 123_456);
        progress.Draw();
        var first = output.ToString();
        columns = 10;
        progress.Draw();
        var second = output.ToString()[first.Length..];
        Assert.Equal("\r123,456 texts, 0 tokens/s", first);
        Assert.Equal("\r123,456 t".PadRight(first.Length), second);
    }

    [Fact]
    public void APipe_ShowsCountsWithoutAFraction()
    {
        using var output = new StringWriter();
        using var progress = new ProgressReporter(output, terminal: false, () => 80, inputBytes: null, alreadyDone: 10);
        progress.Written(5, 999);
        progress.Report(50);
        progress.Draw();
        Assert.Matches(@"^15 texts, [\d,]+ tokens/s\n$", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void LongDocumentsMakeSmallChunks()
    {
        // A chunk is the unit of progress and of durable rows: 1,024 documents of 10,000 characters would take
        // minutes; the character budget cuts it after 7 (70,000 ≥ 65,536).
        var texts = Enumerable.Range(1, 100).Select(i => new InputText(i, new string('x', 10_000), i * 10_001L)).GetEnumerator();
        using var hash = new RunningHash();
        var more = true;
        var (chunk, lines, end, _) = EmbedJob.NextChunk(texts, hash, maxChars: 65_536, ref more);
        Assert.Equal(7, chunk.Count);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], lines);
        Assert.Equal(7 * 10_001L, end);
        Assert.True(more);

        var shortTexts = Enumerable.Range(1, 1500).Select(i => new InputText(i, "short", i)).GetEnumerator();
        Assert.Equal(1024, EmbedJob.NextChunk(shortTexts, hash, 65_536, ref more).Texts.Count);
        Assert.Equal(476, EmbedJob.NextChunk(shortTexts, hash, 65_536, ref more).Texts.Count);
        Assert.False(more);
    }
}
