using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Quantization.Calibration;

/// <summary>The percentile method: the threshold below which a given fraction of |x| lies, read from the histogram.</summary>
public static class PercentileThreshold
{
    /// <summary>
    /// The <paramref name="percentile"/>-th percentile of |x|. With N values and rank <c>r = N·percentile/100</c>, bin k is
    /// the first whose cumulative count <c>C_k</c> reaches r, and the values in a bin are taken as spread evenly across it:
    /// <c>T = (k + (r − C_{k−1}) / count_k) · width</c>, capped at max |x| (so 100 gives max |x| exactly). Bin k holds
    /// the ⌈r⌉-th smallest |x| (numpy's <c>percentile(…, method="inverted_cdf")</c>), so T is within one bin width of
    /// it; a percentile that interpolates between values (numpy's default) can differ by more where the tail is sparse.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is not in (0, 100].</exception>
    /// <exception cref="InvalidOperationException">The histogram has seen no values.</exception>
    public static float Select(AbsHistogram histogram, double percentile)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (!(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile must be in (0, 100].");
        Thresholds.RequireValues(histogram);
        if (histogram.Max == 0)
            return 0;
        var counts = histogram.Counts();
        var rank = percentile / 100 * histogram.Count;
        double below = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            if (counts[k] == 0)
                continue;
            if (below + counts[k] >= rank)
                return Thresholds.AtMostMax(histogram, (k + (rank - below) / counts[k]) * histogram.BinWidth);
            below += counts[k];
        }
        // rank ≤ Count = the sum of the counts, so the loop returns; rounding aside, the answer is then max |x|.
        return histogram.Max;
    }
}
