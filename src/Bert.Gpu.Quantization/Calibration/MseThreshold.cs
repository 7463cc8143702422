using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Quantization.Calibration;

/// <summary>The MSE method: the threshold whose int8 codes reproduce the observed |x| with the least squared error.</summary>
public static class MseThreshold
{
    /// <summary>
    /// Each bin's count is taken as spread evenly across the bin (density <c>c_k / width</c>), and a threshold T is scored
    /// by the exact integral of the squared error of <c>Q_T(x) = s·min(round(x / s), m)</c>, <c>s = T / m</c>, over that
    /// density: rounding error below the threshold and clipping error above it. The candidates are every bin edge
    /// <c>k·width</c> below max |x| and max |x| itself; the one of least error wins (the largest on a tie).
    /// </summary>
    /// <param name="histogram">The observed |x|.</param>
    /// <param name="maxLevel">m: 127 for int8; smaller only to check the method by hand on tiny histograms.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLevel"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">The histogram has seen no values.</exception>
    public static float Select(AbsHistogram histogram, int maxLevel = SymmetricInt8.MaxLevel)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLevel, 1);
        Thresholds.RequireValues(histogram);
        if (histogram.Max == 0)
            return 0;
        var counts = histogram.Counts();
        var width = histogram.BinWidth;
        var last = Thresholds.LastNonEmpty(counts);
        var best = double.PositiveInfinity;
        double bestThreshold = histogram.Max;
        // Bin `last` holds max |x|, so the edges 1…last lie at or below it; edge last+1 is replaced by max |x|.
        for (var k = 1; k <= last + 1; k++)
        {
            var threshold = Math.Min(k * width, histogram.Max);
            var error = Error(counts, width, last, threshold, maxLevel);
            if (error <= best)
            {
                best = error;
                bestThreshold = threshold;
            }
        }
        return (float)bestThreshold;
    }

    /// <summary>
    /// The squared error of threshold <paramref name="threshold"/> over bins 0…<paramref name="last"/>: each bin is cut at
    /// the rounding boundaries <c>(level + ½)·s</c> and, on a piece [u, v) that rounds to c, adds
    /// <c>density · ((v − c)³ − (u − c)³) / 3</c>.
    /// </summary>
    private static double Error(long[] counts, double width, int last, double threshold, int maxLevel)
    {
        var step = threshold / maxLevel;
        double error = 0;
        for (var k = 0; k <= last; k++)
        {
            if (counts[k] == 0)
                continue;
            var density = counts[k] / width;
            double u = k * width, end = (k + 1) * width;
            var level = Math.Min(Math.Floor(u / step + 0.5), maxLevel);
            while (u < end)
            {
                var v = level < maxLevel ? Math.Min((level + 0.5) * step, end) : end;
                var c = level * step;
                error += density * (Cube(v - c) - Cube(u - c)) / 3;
                u = v;
                level++;
            }
        }
        return error;
    }

    private static double Cube(double x) => x * x * x;
}
