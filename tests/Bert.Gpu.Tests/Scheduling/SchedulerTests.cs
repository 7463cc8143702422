using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Scheduling;

/// <summary>The batch scheduler behind <see cref="Embedder"/>, on MiniLM and the host backend.</summary>
public sealed class SchedulerTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>
{
    private BertModel Model => fixture.Model;

    private IComputeBackend Host => fixture.Backend!;

    /// <summary>Texts of varied length (1 to ~200 tokens), different for each caller.</summary>
    private static string[] Texts(int caller, int count) =>
        Enumerable.Range(0, count).Select(i => string.Join(' ', Enumerable.Repeat($"word{caller} number {i}", 1 + (i * 7 + caller * 3) % 40))).ToArray();

    /// <summary>The pooled, normalized row of one text embedded alone, straight through the encoder.</summary>
    private float[] Alone(BertEncoder encoder, string text, int maxLength = 256)
    {
        var row = new float[Model.Config.HiddenSize];
        encoder.Embed(new PackedBatch([Model.Tokenizer.Encode(text, maxLength)]), Model.DefaultPooling, true, row);
        return row;
    }

    [Fact]
    public async Task ConcurrentCallersShareBatchesAndGetTheirOwnRowsInOrder()
    {
        using var backend = new InstrumentedBackend(Host);
        using var embedder = new Embedder(Model, backend);
        backend.Close(); // let every caller queue up before the first pass runs
        var callers = Enumerable.Range(0, 12).Select(c => Texts(c, 10)).ToArray();
        var tasks = callers.Select(texts => Task.Run(() => embedder.EmbedAsync(texts))).ToArray();
        await Task.Delay(500);
        backend.Open();
        var results = await Task.WhenAll(tasks);

        Assert.True(backend.Passes.Count < callers.Length, $"{backend.Passes.Count} passes for {callers.Length} callers: batches were not shared");
        using var reference = new BertEncoder(Model, Host);
        for (var c = 0; c < callers.Length; c++)
            for (var i = 0; i < callers[c].Length; i++)
            {
                var expected = Alone(reference, callers[c][i]);
                Assert.InRange(Reference.MaxAbsDiff(expected, results[c].Rows.AsSpan(i * 384, 384)), 0f, 1e-6f);
            }
        Assert.Equal(callers.Sum(texts => texts.Sum(t => (long)Model.Tokenizer.Encode(t, 256).Ids.Length)), results.Sum(r => r.Tokens));
    }

    [Fact]
    public async Task BatchesRespectTheBudgetsAndGroupSimilarLengths()
    {
        using var backend = new InstrumentedBackend(Host);
        using var embedder = new Embedder(Model, backend, new EmbedderOptions { MaxBatchTokens = 600, MaxBatchSequences = 8 });
        backend.Close();
        var texts = Texts(1, 60);
        var task = embedder.EmbedAsync(texts);
        await Task.Delay(300);
        backend.Open();
        await task;

        Assert.All(backend.Passes, p => Assert.True(p.Tokens <= 600 && p.Sequences <= 8, $"{p}"));
        Assert.Equal(60, backend.Passes.Sum(p => p.Sequences));
        // Sorted windows: the first batch holds the longest sequences, so it is the fullest per sequence.
        Assert.True(backend.Passes[0].Tokens / backend.Passes[0].Sequences >= backend.Passes[^1].Tokens / backend.Passes[^1].Sequences);
    }

    [Fact]
    public async Task AFailedBatchFaultsItsCallerAndTheQueueGoesOn()
    {
        using var backend = new InstrumentedBackend(Host);
        using var embedder = new Embedder(Model, backend);
        backend.FailNextPass();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => embedder.EmbedAsync(["this batch fails"]));
        Assert.Equal("injected failure", failure.Message);

        var after = await embedder.EmbedAsync(["this one works"]);
        using var reference = new BertEncoder(Model, Host);
        Assert.InRange(Reference.MaxAbsDiff(Alone(reference, "this one works"), after.Rows), 0f, 1e-6f);
    }

    [Fact]
    public async Task CancelledCallersStopWaitingAndOthersFinish()
    {
        using var backend = new InstrumentedBackend(Host);
        using var embedder = new Embedder(Model, backend, new EmbedderOptions { MaxBatchTokens = 256, MaxBatchSequences = 1 });
        backend.Close();
        using var cancel = new CancellationTokenSource();
        var cancelled = embedder.EmbedAsync(Texts(2, 20), cancel.Token);
        var kept = embedder.EmbedAsync(Texts(3, 3));
        await Task.Delay(200);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        backend.Open();

        var result = await kept;
        Assert.Equal(3 * 384, result.Rows.Length);
        Assert.True(backend.Passes.Count < 23, $"{backend.Passes.Count} passes: cancelled sequences were still computed");
    }

    [Fact]
    public async Task SlidingWindowsCoverLongTextsAndLeaveShortOnesAlone()
    {
        var options = new EmbedderOptions { MaxLength = 32, LongText = LongTextMode.Window, Stride = 20 };
        using var windowed = new Embedder(Model, Host, options);
        using var truncating = new Embedder(Model, Host, options with { LongText = LongTextMode.Truncate });
        var shortText = "a short sentence";
        var longText = string.Join(' ', Enumerable.Range(0, 70).Select(i => $"w{i % 9}"));

        var w = await windowed.EmbedAsync([shortText, longText]);
        var t = await truncating.EmbedAsync([shortText, longText]);

        Assert.InRange(Reference.MaxAbsDiff(t.Rows.AsSpan(0, 384), w.Rows.AsSpan(0, 384)), 0f, 1e-6f);
        // Independently: the long text's pieces, windows of 30 starting every 20, each pooled without normalizing,
        // averaged by piece length, normalized.
        var pieces = Model.Tokenizer.Encode(longText, int.MaxValue).Ids[1..^1];
        Assert.True(pieces.Length > 100, "the long text needs several windows");
        using var encoder = new BertEncoder(Model, Host);
        var sum = new double[384];
        var total = 0;
        for (var start = 0; ; start += 20)
        {
            var piece = pieces.Skip(start).Take(30).ToArray();
            var row = new float[384];
            encoder.Embed(new PackedBatch([new TokenizedText([101, .. piece, 102], new int[piece.Length + 2])]), PoolingMode.Mean, false, row);
            for (var i = 0; i < 384; i++)
                sum[i] += row[i] * piece.Length;
            total += piece.Length;
            if (start + 30 >= pieces.Length)
                break;
        }
        var expected = sum.Select(v => (float)(v / total)).ToArray();
        Assert.True(Reference.Cosine(expected, w.Rows.AsSpan(384, 384)) > 0.999999);
        Assert.True(Reference.Cosine(t.Rows.AsSpan(384, 384), w.Rows.AsSpan(384, 384)) < 0.9999, "windows should differ from truncation");
    }
}
