using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class EntropyThresholdTests
{
    // Counts [6, 2, 1, 1] (width 1/4, max 0.9), 2 levels, candidates i = 2, 3, 4:
    //   i=2: P = [6, 4]/10, Q = [6, 2]/8            KL = .6 ln(.6/.75) + .4 ln(.4/.25)               = 0.0541
    //   i=3: P = [6, 2, 2]/10, levels {0,1} {2},  Q = [4, 4, 1]/9
    //        KL = .6 ln(.6/(4/9)) + .2 ln(.2/(4/9)) + .2 ln(.2/(1/9))                                  = 0.1379
    //   i=4: P = [6, 2, 1, 1]/10, levels {0,1} {2,3}, Q = [4, 4, 1, 1]/10   KL = .6 ln 1.5 + .2 ln .5 = 0.1046
    // i = 2 wins: T = 2 · 1/4.
    [Fact]
    public void HandChecked()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.3f, 0.4f, 0.6f, 0.9f]);
        Assert.Equal([6L, 2, 1, 1], h.Counts());
        Assert.Equal(0.5f, EntropyThreshold.Select(h, levels: 2));
    }

    // Counts [5, 0, 0, 1]: for i = 2 and 3 the outlier lands in P's last bin, whose level has no count of its own, so Q is 0
    // where P is not and KL is infinite; i = 4 has Q = P (KL 0): no clipping, T = max.
    [Fact]
    public void ALevelHoldingOnlyOutliersIsNeverChosen()
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.8f]);
        Assert.Equal([5L, 0, 0, 1], h.Counts());
        Assert.Equal(0.8f, EntropyThreshold.Select(h, levels: 2));
    }

    // Heavy tails (0.1% outliers at 20σ): the threshold clips the outliers (well under max |x|) but keeps the body, at
    // least its 99th percentile (2.58σ for a Gaussian).
    [Fact]
    public void HeavyTailedDataIsClippedBetweenTheBodyAndTheMax()
    {
        var h = new AbsHistogram("x");
        h.Observe(Samples.HeavyTailed(new Random(61), 1_000_000));
        var t = EntropyThreshold.Select(h);
        Assert.InRange(t, PercentileThreshold.Select(h, 99), 0.5f * h.Max);
    }

    [Fact]
    public void ZerosGiveZeroAndLevelsMustFitTheBins()
    {
        var h = new AbsHistogram("x", bins: 64);
        h.Observe(new float[10]);
        Assert.Equal(0f, EntropyThreshold.Select(h, levels: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => EntropyThreshold.Select(h));
        Assert.Throws<InvalidOperationException>(() => EntropyThreshold.Select(new AbsHistogram("x")));
    }
}
