using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class PercentileThresholdTests
{
    // Four values, one per bin of width 1/4. 50%: rank 2 is reached at the end of bin 1 -> 0.5. 10%: rank 0.4 is 0.4 of the
    // way into bin 0 -> 0.1. 90%: rank 3.6, 0.6 into bin 3 -> 0.9, capped at max 0.85. 100% is the max.
    [Fact]
    public void HandChecked()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.1f, -0.3f, 0.6f, 0.85f]);
        Assert.Equal(0.5f, PercentileThreshold.Select(h, 50));
        Assert.Equal(0.1f, PercentileThreshold.Select(h, 10));
        Assert.Equal(0.85f, PercentileThreshold.Select(h, 90));
        Assert.Equal(0.85f, PercentileThreshold.Select(h, 100));
    }

    // |x| of x ~ U(-1, 1) is U(0, 1): the p-quantile is p/100. Max < 1 gives range 1, width 1/2048. Four million samples
    // put the sample quantile within 5·sqrt(q(1 − q)/n) < 4e-5 of the true one (five standard deviations).
    [Theory]
    [InlineData(99.9)]
    [InlineData(99.99)]
    [InlineData(99.999)]
    [InlineData(50)]
    public void UniformSamplesGiveTheAnalyticQuantileWithinABinWidth(double percentile)
    {
        var random = new Random(51);
        var x = new float[4_000_000];
        for (var i = 0; i < x.Length; i++)
            x[i] = 2 * random.NextSingle() - 1;
        var h = new AbsHistogram("u");
        h.Observe(x);
        Assert.Equal(1.0 / 2048, h.BinWidth);
        var q = percentile / 100;
        var noise = 5 * Math.Sqrt(q * (1 - q) / x.Length);
        Assert.InRange(PercentileThreshold.Select(h, percentile), q - h.BinWidth - noise, q + h.BinWidth + noise);
    }

    [Fact]
    public void ZerosGiveZeroAndNothingObservedIsAnError()
    {
        var h = new AbsHistogram("x");
        Assert.Contains("observer 'x' has seen no activations", Assert.Throws<InvalidOperationException>(() => PercentileThreshold.Select(h, 99)).Message);
        h.Observe(new float[10]);
        Assert.Equal(0f, PercentileThreshold.Select(h, 99.99));
        Assert.Throws<ArgumentOutOfRangeException>(() => PercentileThreshold.Select(h, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PercentileThreshold.Select(h, 100.5));
    }
}
