using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class AbsHistogramTests
{
    // max 0.95 -> range [0, 1), width 1/4: 0.1 -> 0, 0.3 -> 1, 0.6 -> 2, 0.9 and |-0.95| -> 3. Then 3.0 needs range
    // [0, 4), width 1: every old bin lay in [0, 1), new bin 0.
    [Fact]
    public void HandCheckedGrowth()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.1f, 0.3f, 0.6f, 0.9f, -0.95f]);
        Assert.Equal([1L, 1, 1, 2], h.Counts());
        Assert.Equal(0, h.RangeExponent);
        Assert.Equal(0.25, h.BinWidth);
        h.Observe([-3f]);
        Assert.Equal([5L, 0, 0, 1], h.Counts());
        Assert.Equal(2, h.RangeExponent);
        Assert.Equal(6, h.Count);
        Assert.Equal(3f, h.Max);
    }

    // A range that doubles once halves the bin index: [0, 1) in 4 bins, then [0, 2): old bins {0,1} -> 0, {2,3} -> 1.
    [Fact]
    public void DoublingMergesPairs()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.1f, 0.3f, 0.6f, 0.9f]);
        h.Observe([1.5f]);
        Assert.Equal([2L, 2, 0, 1], h.Counts());
    }

    // Edges: a value on an edge goes to the bin above it (numpy's convention); a max that is a power of two gets the
    // range above it; −0 and subnormals are in bin 0.
    [Fact]
    public void EdgesAndTinyValues()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.25f, 0.5f, -0f, float.Epsilon]);
        Assert.Equal(0, h.RangeExponent); // max 0.5 = 2^-1: the smallest power of two above it is 1
        Assert.Equal([2L, 1, 1, 0], h.Counts());
        var one = new AbsHistogram("x", bins: 4);
        one.Observe([1f]);
        Assert.Equal(1, one.RangeExponent);
        Assert.Equal([0L, 0, 1, 0], one.Counts());
    }

    [Fact]
    public void ZerosKeepTheSmallestRange()
    {
        var h = new AbsHistogram("x");
        h.Observe(new float[100]);
        Assert.Equal(AbsHistogram.MinRangeExponent, h.RangeExponent);
        Assert.Equal(0f, h.Max);
        Assert.Equal(100, h.Counts()[0]);
    }

    // The result depends only on the values: any cut into batches, in any order, and any split merged back, gives the
    // same histogram as one call.
    [Fact]
    public void BatchingOrderAndMergingDoNotMatter()
    {
        var random = new Random(41);
        var x = Samples.HeavyTailed(random, 200_003);
        var whole = new AbsHistogram("x");
        whole.Observe(x);

        var cuts = Enumerable.Range(0, 40).Select(_ => random.Next(x.Length)).Append(0).Append(x.Length).Distinct().Order().ToArray();
        var batches = cuts.Zip(cuts.Skip(1), (a, b) => (a, b)).OrderBy(_ => random.Next()).ToArray();
        var batched = new AbsHistogram("x");
        foreach (var (a, b) in batches)
            batched.Observe(x.AsSpan(a, b - a));
        AssertSame(whole, batched);

        var left = new AbsHistogram("left");
        var right = new AbsHistogram("right");
        left.Observe(x.AsSpan(0, 1000));        // the smaller range merges into the larger and the reverse
        right.Observe(x.AsSpan(1000));
        left.Merge(right);
        AssertSame(whole, left);
        var reverse = new AbsHistogram("r");
        reverse.Observe(x.AsSpan(1000));
        var small = new AbsHistogram("s");
        small.Observe(x.AsSpan(0, 1000));
        reverse.Merge(small);
        AssertSame(whole, reverse);
    }

    // Against a plain count written for the test: bin = floor(|x| / width) in double, width = 2^e / bins.
    [Fact]
    public void CountsEqualAPlainRecount()
    {
        var random = new Random(42);
        var x = Samples.HeavyTailed(random, 100_001);
        var h = new AbsHistogram("x", bins: 512);
        for (var i = 0; i < x.Length; i += 777)
            h.Observe(x.AsSpan(i, Math.Min(777, x.Length - i)));
        var max = x.Max(MathF.Abs);
        Assert.Equal(max, h.Max);
        var e = Math.ILogB(max) + 1; // the smallest power of two above max
        Assert.Equal(e, h.RangeExponent);
        var expected = new long[512];
        foreach (var v in x)
            expected[(int)Math.Floor(Math.Abs((double)v) / Math.ScaleB(1, e - 9))]++;
        Assert.Equal(expected, h.Counts());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(1.8446744e19f)] // 2^64
    public void ActivationsItCannotTakeAreRefusedAndLeaveNoTrace(float bad)
    {
        var h = new AbsHistogram("encoder.layer.1 ffn input");
        h.Observe([1, 2]);
        var batch = Enumerable.Repeat(100f, 50).ToArray();
        batch[37] = bad;
        var e = Assert.Throws<ArgumentException>(() => h.Observe(batch));
        Assert.StartsWith($"observer 'encoder.layer.1 ffn input': activation 39 is {bad};", e.Message);
        Assert.Equal(2, h.Count);
        Assert.Equal(2f, h.Max);
        Assert.Equal(2, h.RangeExponent);
    }

    [Fact]
    public void BinCountMustBeAPowerOfTwo()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbsHistogram("x", 2047));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbsHistogram("x", 1));
        Assert.Throws<ArgumentException>(() => new AbsHistogram("x", 8).Merge(new AbsHistogram("y", 16)));
    }

    private static void AssertSame(AbsHistogram expected, AbsHistogram actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.RangeExponent, actual.RangeExponent);
        Assert.Equal(expected.Counts(), actual.Counts());
    }
}
