using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Host;

public class HostOpsTests
{
    private readonly HostBackend _backend = new(threads: 2);

    [Theory]
    [InlineData(37, 53, 29, false, false)]
    [InlineData(37, 53, 29, true, true)]
    [InlineData(1, 16, 8, false, true)]
    [InlineData(5, 7, 3, true, false)]
    [InlineData(130, 96, 384, true, true)]
    [InlineData(7, 53, 600, true, true)]
    public void LinearMatchesNaiveReference(int rows, int outFeatures, int inFeatures, bool gelu, bool residual)
    {
        var random = new Random(rows * 1000 + outFeatures);
        var x = Reference.RandomVector(random, rows * inFeatures);
        var w = Reference.RandomVector(random, outFeatures * inFeatures, 0.2f);
        var b = Reference.RandomVector(random, outFeatures);
        var r = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        var expected = Reference.Linear(x, rows, w, b, outFeatures, gelu, r);

        using var weights = _backend.UploadLinear(new FloatTensor(w, outFeatures, inFeatures), new FloatTensor(b, outFeatures));
        using var y = _backend.Allocate(rows * outFeatures);
        _backend.Linear(_backend.Upload(x), rows, weights, gelu ? Activation.Gelu : Activation.None, r is null ? null : _backend.Upload(r), y);
        var actual = new float[rows * outFeatures];
        _backend.Download(y, actual);

        Assert.True(Reference.MaxAbsDiff(expected, actual) < 2e-5f * MathF.Sqrt(inFeatures));
    }

    [Fact]
    public void AttentionStaysWithinEachSequence()
    {
        const int heads = 3, headDim = 16;
        int[] lengths = [1, 7, 33];
        var batch = new PackedBatch(lengths.Select(n => new TokenizedText(new int[n], new int[n])).ToList());
        var random = new Random(7);
        var qkv = Reference.RandomVector(random, batch.TotalTokens * 3 * heads * headDim, 2f);
        var expected = Reference.Attention(qkv, batch.SeqStarts, heads, headDim);

        using var device = batch.Upload(_backend);
        using var context = _backend.Allocate(batch.TotalTokens * heads * headDim);
        _backend.Attention(device, _backend.Upload(qkv), heads, headDim, context);
        var actual = new float[expected.Length];
        _backend.Download(context, actual);

        Assert.True(Reference.MaxAbsDiff(expected, actual) < 1e-5f);
    }

    [Theory]
    [InlineData(384)]
    [InlineData(37)]
    public void LayerNormMatchesNaiveReference(int width)
    {
        var random = new Random(width);
        var x = Reference.RandomVector(random, 5 * width, 3f);
        for (var i = 0; i < x.Length; i++)
            x[i] += 10f; // a large mean exposes single-pass variance formulas
        var gamma = Reference.RandomVector(random, width);
        var beta = Reference.RandomVector(random, width);
        var expected = Reference.LayerNorm(x, width, gamma, beta, 1e-12);

        var buffer = _backend.Upload(x);
        _backend.LayerNorm(buffer, 5, width, _backend.Upload(gamma), _backend.Upload(beta), 1e-12f);
        var actual = new float[x.Length];
        _backend.Download(buffer, actual);

        Assert.True(Reference.MaxAbsDiff(expected, actual) < 1e-5f);
    }

    [Theory]
    [InlineData(PoolingMode.Cls, new[] { 1f, -2f, 10f, 0f })]
    [InlineData(PoolingMode.Mean, new[] { 2f, 0f, 10f, 0f })]
    [InlineData(PoolingMode.Max, new[] { 3f, 2f, 10f, 0f })]
    public void PoolingFollowsSequenceBoundaries(PoolingMode mode, float[] expected)
    {
        // Width 2; sequence 0 = rows (1,-2), (3,2); sequence 1 = row (10,0).
        var batch = new PackedBatch([new TokenizedText([0, 0], [0, 0]), new TokenizedText([0], [0])]);
        using var device = batch.Upload(_backend);
        using var output = _backend.Allocate(4);
        _backend.Pool(device, _backend.Upload([1f, -2f, 3f, 2f, 10f, 0f]), 2, mode, output);
        var actual = new float[4];
        _backend.Download(output, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void L2NormalizeGivesUnitRowsAndKeepsZeroRows()
    {
        var buffer = _backend.Upload([3f, 4f, 0f, 0f]);
        _backend.L2Normalize(buffer, 2, 2);
        var actual = new float[4];
        _backend.Download(buffer, actual);
        Assert.Equal([0.6f, 0.8f, 0f, 0f], actual);
    }
}
