using Bert.Gpu.Backends;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Scheduling;

/// <summary>
/// <see cref="Embedder.EmbedTimedAsync"/>, <see cref="EmbedderOptions.BatchComputed"/> and <see cref="EmbeddingRows"/>:
/// raw rows normalized per caller on the host are the very rows of an embedder that normalizes on the host backend.
/// </summary>
public sealed class EmbedTimedTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>
{
    private static readonly string[] Texts = ["a cat", "stocks fell sharply on Tuesday", "", "how do I reset my password?"];

    [Fact]
    public async Task RawRowsNormalizedPerCaller_AreTheNormalizingEmbeddersRows_AndTheTimesAndBatchesAreTold()
    {
        var model = fixture.Model;
        var passes = new List<(int Sequences, int Tokens)>();
        using var normalizing = new Embedder(model, fixture.Backend!);
        using var raw = new Embedder(model, fixture.Backend!, new EmbedderOptions
        {
            Normalize = false,
            BatchComputed = (sequences, tokens, duration) =>
            {
                Assert.True(duration > TimeSpan.Zero);
                lock (passes)
                    passes.Add((sequences, tokens));
            },
        });
        var expected = (await normalizing.EmbedAsync(Texts)).Rows;
        var sequences = raw.Tokenize(Texts);
        var rows = new float[Texts.Length * raw.Dimension];
        var timings = await raw.EmbedTimedAsync(sequences, rows);
        Assert.Equal(sequences.Sum(s => (long)s.Ids.Length), timings.Tokens);
        Assert.True(timings.Queue >= TimeSpan.Zero && timings.Inference > TimeSpan.Zero);
        Assert.Equal(Texts.Length, passes.Sum(p => p.Sequences));
        Assert.Equal(timings.Tokens, passes.Sum(p => (long)p.Tokens));
        for (var i = 0; i < Texts.Length; i++)
            EmbeddingRows.Normalize(rows.AsSpan(i * raw.Dimension, raw.Dimension));
        Assert.Equal(expected, rows); // bit for bit: the host backend normalizes with the same code
        Assert.Equal(1f, EmbeddingRows.Cosine(rows.AsSpan(0, raw.Dimension), rows.AsSpan(0, raw.Dimension)), 1e-6f);
        Assert.Equal(0f, EmbeddingRows.Cosine(new float[4], [1, 2, 3, 4]));
    }
}
