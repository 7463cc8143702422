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
        Assert.True(timings.Inference > TimeSpan.Zero);
        Assert.Equal(Texts.Length, passes.Sum(p => p.Sequences));
        Assert.Equal(timings.Tokens, passes.Sum(p => (long)p.Tokens));
        var d = raw.Dimension;
        for (var i = 0; i < Texts.Length; i++)
        {
            // The raw rows are not unit rows, and the normalizing embedder's are them over their norm taken in double.
            var norm = Math.Sqrt(rows.Skip(i * d).Take(d).Sum(v => (double)v * v));
            Assert.True(Math.Abs(norm - 1) > 1e-3, $"row {i}: raw norm {norm}");
            for (var c = 0; c < d; c++)
                Assert.Equal(rows[i * d + c] / norm, expected[i * d + c], 1e-6);
            EmbeddingRows.Normalize(rows.AsSpan(i * d, d));
        }
        Assert.Equal(expected, rows); // bit for bit: per caller or in the embedder, the same normalization
        Assert.Equal(1 / MathF.Sqrt(2), EmbeddingRows.Cosine([1, 0], [1, 1]), 1e-6f); // hand-checked: 45°
        Assert.Equal(0f, EmbeddingRows.Cosine(new float[4], [1, 2, 3, 4]));
    }
}
