using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class MseThresholdTests
{
    // Bins of width 1 over [0, 4); n values in bin 0, one in bin 3 (max 3.5); one level (Q(x) = T for x ≥ T/2, else 0).
    // Each bin's count is spread evenly over it. Candidates T = 1, 2, 3 and 3.5:
    //   bin 0 costs n·(∫0^½ x² + ∫½^1 (1−x)²) = n/12 at T = 1, and n·∫0^1 x² = n/3 at T ≥ 2;
    //   bin 3 costs ∫3^4 (x − T)²: 19/3, 7/3, 1/3 and 1/12.
    // n = 40: 10/3 + 19/3 = 9.67 (T = 1) beats 15.67, 13.67 and 13.42: clipping the outlier pays.
    // n = 20: 8, 9, 7 and 6.75 (T = 3.5 = max): it does not.
    [Theory]
    [InlineData(40, 1f)]
    [InlineData(20, 3.5f)]
    public void HandChecked(int body, float expected)
    {
        var h = new AbsHistogram("x", bins: 4);
        h.Observe([.. Enumerable.Repeat(0.5f, body), 3.5f]);
        Assert.Equal(1.0, h.BinWidth);
        Assert.Equal(expected, MseThreshold.Select(h, maxLevel: 1));
    }

    // The chosen threshold's error is the least of all candidates (every bin edge below max, and max), each error
    // recomputed here by brute force in doubles: every bin intersected with every level's rounding interval, a piece
    // [u, v) that rounds to c adding density·((v − c)³ − (u − c)³)/3.
    [Theory]
    [InlineData(71, 127)]
    [InlineData(72, 127)]
    [InlineData(73, 3)]
    public void TheChosenErrorIsTheLeastAmongAllCandidates(int seed, int maxLevel)
    {
        var h = new AbsHistogram("x", bins: 256);
        h.Observe(Samples.HeavyTailed(new Random(seed), 300_000));
        var counts = h.Counts();
        var width = h.BinWidth;
        var last = Array.FindLastIndex(counts, c => c > 0);
        var candidates = Enumerable.Range(1, last).Select(k => k * width).Append(h.Max).ToArray();
        var errors = candidates.Select(t => BruteForceError(counts, width, t, maxLevel)).ToArray();
        var chosen = MseThreshold.Select(h, maxLevel);
        var index = Array.IndexOf(candidates, (double)chosen);
        Assert.True(index >= 0, $"{chosen} is not a candidate");
        Assert.True(errors[index] <= errors.Min() * (1 + 1e-12), $"T = {chosen} costs {errors[index]}, but T = {candidates[Array.IndexOf(errors, errors.Min())]} costs {errors.Min()}");
    }

    [Fact]
    public void HeavyTailedDataIsClippedBetweenTheBodyAndTheMax()
    {
        var h = new AbsHistogram("x");
        h.Observe(Samples.HeavyTailed(new Random(74), 1_000_000));
        Assert.InRange(MseThreshold.Select(h), PercentileThreshold.Select(h, 99), 0.9f * h.Max);
    }

    [Fact]
    public void ZerosGiveZero()
    {
        var h = new AbsHistogram("x");
        h.Observe(new float[3]);
        Assert.Equal(0f, MseThreshold.Select(h));
        Assert.Throws<InvalidOperationException>(() => MseThreshold.Select(new AbsHistogram("x")));
    }

    private static double BruteForceError(long[] counts, double width, double threshold, int maxLevel)
    {
        var step = threshold / maxLevel;
        double total = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            if (counts[k] == 0)
                continue;
            double a = k * width, b = (k + 1) * width;
            for (var level = 0; level <= maxLevel; level++)
            {
                var low = level == 0 ? 0 : (level - 0.5) * step;
                var high = level == maxLevel ? double.PositiveInfinity : (level + 0.5) * step;
                double u = Math.Max(a, low), v = Math.Min(b, high), c = level * step;
                if (v > u)
                    total += counts[k] / width * (Math.Pow(v - c, 3) - Math.Pow(u - c, 3)) / 3;
            }
        }
        return total;
    }
}
