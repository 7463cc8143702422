using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Scheduling;
using Bert.Gpu.Tests.Kernels;
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

    /// <summary>The pooled, normalized row of one sequence embedded alone, straight through the encoder.</summary>
    private float[] Alone(BertEncoder encoder, TokenizedText sequence)
    {
        var row = new float[Model.Config.HiddenSize];
        encoder.Embed(new PackedBatch([sequence]), Model.DefaultPooling, true, row);
        return row;
    }

    private float[] Alone(BertEncoder encoder, string text) => Alone(encoder, Model.Tokenizer.Encode(text, 256));

    /// <summary>Random ids of the given lengths, framed as [CLS] … [SEP] in MiniLM's vocabulary.</summary>
    private TokenizedText[] OfLengths(int seed, params int[] lengths) =>
        TinyBert.Sequences(new Random(seed), lengths, Model.Config.VocabSize);

    /// <summary>Each request's rows equal its sequences embedded alone, in its own order.</summary>
    private void AssertRowsAreTheirOwn(IReadOnlyList<TokenizedText[]> requests, IReadOnlyList<float[]> rows)
    {
        using var reference = new BertEncoder(Model, Host);
        for (var r = 0; r < requests.Count; r++)
        {
            Assert.Equal(requests[r].Length * 384, rows[r].Length);
            for (var i = 0; i < requests[r].Length; i++)
                Assert.InRange(Reference.MaxAbsDiff(Alone(reference, requests[r][i]), rows[r].AsSpan(i * 384, 384)), 0f, 1e-6f);
        }
    }

    [Fact]
    public async Task ConcurrentCallersShareBatchesAndGetTheirOwnRowsInOrder()
    {
        // 12 callers × 10 texts of up to ~200 tokens, all queued before the first pass. The look-ahead (4 × 8192 tokens)
        // takes them as one window and 32 sequences always fit in 8192 tokens, so the window sorted longest first is
        // cut by the sequence budget alone: 32, 32, 32, 24 sequences, each batch the next run of sorted lengths.
        using var held = new HeldScheduler(Model, Host, new SchedulerLimits(MaxBatchTokens: 8192, MaxBatchSequences: 32, LookAheadTokens: 4 * 8192));
        var callers = Enumerable.Range(0, 12).Select(c => Texts(c, 10).Select(t => Model.Tokenizer.Encode(t, 256)).ToArray()).ToArray();
        var sorted = callers.SelectMany(c => c).Select(s => s.Ids.Length).OrderDescending().ToArray();
        Assert.True(sorted.Sum() < 4 * 8192, $"{sorted.Sum()} tokens do not fit one window");
        Assert.True(sorted.Take(32).Sum() <= 8192, $"the 32 longest hold {sorted.Take(32).Sum()} tokens: the token budget would bind");

        var tasks = new Task<float[]>[callers.Length];
        Parallel.For(0, callers.Length, c => tasks[c] = held.Scheduler.Submit(callers[c], default));
        Assert.Equal(120, held.Scheduler.Waiting);
        held.Backend.Open();
        var results = await Task.WhenAll(tasks);
        await held.Plugs;

        (int, int)[] expected = [(32, sorted[..32].Sum()), (32, sorted[32..64].Sum()), (32, sorted[64..96].Sum()), (24, sorted[96..].Sum())];
        Assert.Equal(expected, held.PassesAfterPlugs());
        AssertRowsAreTheirOwn(callers, results);
    }

    [Fact]
    public async Task EmbedderCallersGetTheirOwnRowsAndTokenCounts()
    {
        using var embedder = new Embedder(Model, Host);
        var callers = Enumerable.Range(0, 4).Select(c => Texts(c, 6)).ToArray();
        var results = await Task.WhenAll(callers.Select(texts => Task.Run(() => embedder.EmbedAsync(texts))));

        var tokenized = callers.Select(texts => texts.Select(t => Model.Tokenizer.Encode(t, 256)).ToArray()).ToArray();
        AssertRowsAreTheirOwn(tokenized, results.Select(r => r.Rows).ToArray());
        Assert.Equal(tokenized.Select(c => c.Sum(s => (long)s.Ids.Length)), results.Select(r => r.Tokens));
    }

    [Fact]
    public async Task BatchesRespectTheBudgetsAndGroupSimilarLengths()
    {
        // Budgets 100 tokens and 4 sequences a batch, look-ahead 200 tokens. Three callers queue, in this order,
        // 10 90 30 | 30 40 20 5 5 | 5 5 5 60 50 (tokens). By hand:
        //   window 1 takes sequences while it holds under 200 tokens: 10 90 30 30 40 (= 200, stop);
        //     sorted 90 40 30 30 10 → [90] (90 + 40 > 100), [40 30 30] (= 100; + 10 > 100), [10];
        //   window 2 takes the rest, 20 5 5 5 5 5 60 50 (155 tokens);
        //     sorted 60 50 20 5 5 5 5 5 → [60] (60 + 50 > 100), [50 20 5 5] (4 sequences), [5 5 5].
        using var held = new HeldScheduler(Model, Host, new SchedulerLimits(MaxBatchTokens: 100, MaxBatchSequences: 4, LookAheadTokens: 200));
        TokenizedText[][] requests = [OfLengths(1, 10, 90, 30), OfLengths(2, 30, 40, 20, 5, 5), OfLengths(3, 5, 5, 5, 60, 50)];
        var tasks = requests.Select(r => held.Scheduler.Submit(r, default)).ToArray();
        Assert.Equal(13, held.Scheduler.Waiting);
        held.Backend.Open();
        var results = await Task.WhenAll(tasks);
        await held.Plugs;

        (int, int)[] expected = [(1, 90), (3, 100), (1, 10), (1, 60), (4, 80), (3, 15)];
        Assert.Equal(expected, held.PassesAfterPlugs());
        AssertRowsAreTheirOwn(requests, results); // the second caller's rows came from both windows
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
        // One sequence a batch, look-ahead 100 tokens. The cancelled caller queues 10 30 20 40 25 45 (tokens), the kept
        // one 15 35 5. Window 1 is 10 30 20 40 (= 100), cut longest first: [40] [30] [20] [10]. The test lets the plugs
        // through and cancels while [40] is in its pass; by then [30] may be staged, and [20] [10] are staged after.
        // A pass that has started runs to its end, so exactly one cancelled sequence is computed, the 40; every other
        // one is dropped, staged or still waiting. Window 2 then holds only the kept caller's: [35] [15] [5].
        using var held = new HeldScheduler(Model, Host, new SchedulerLimits(MaxBatchTokens: 64, MaxBatchSequences: 1, LookAheadTokens: 100));
        using var cancel = new CancellationTokenSource();
        var cancelledSequences = OfLengths(2, 10, 30, 20, 40, 25, 45);
        var keptSequences = OfLengths(3, 15, 35, 5);
        var cancelled = held.Scheduler.Submit(cancelledSequences, cancel.Token);
        var kept = held.Scheduler.Submit(keptSequences, default);
        held.Backend.Let(HeldScheduler.PlugPasses);
        held.Backend.WaitForPasses(HeldScheduler.PlugPasses + 1);
        Assert.Equal((1, 40), held.Backend.Passes[^1]);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        held.Backend.Open();
        var rows = await kept;
        await held.Plugs;

        (int, int)[] expected = [(1, 40), (1, 35), (1, 15), (1, 5)];
        Assert.Equal(expected, held.PassesAfterPlugs());
        // The 25 and 45 were still waiting when the caller cancelled: dropped before batching, they were never cut,
        // so the batches formed are the plugs', window 1's four and the kept caller's three.
        Assert.Equal(HeldScheduler.PlugPasses + 4 + 3, held.Scheduler.BatchesFormed);
        AssertRowsAreTheirOwn([keptSequences], [rows]);
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
