using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Quantization.Calibration;

/// <summary>
/// TensorRT's entropy calibration: the threshold whose int8 version of the |x| histogram loses the least information,
/// measured as the KL divergence KL(P‖Q) of the clipped histogram P from its quantized version Q.
/// </summary>
public static class EntropyThreshold
{
    /// <summary>The level count for int8: 128 magnitudes (0…127) per sign.</summary>
    public const int Int8Levels = 128;

    /// <summary>
    /// With n bins of counts c and L levels, every candidate i = L…n (the threshold at bin edge i) is scored:
    /// <list type="bullet">
    /// <item>P: the first i bins, the outliers <c>Σ_{j≥i} c_j</c> added to bin i−1;</item>
    /// <item>Q: bins j &lt; i grouped into levels <c>floor(L·j / i)</c>; each level's count (outliers not included) is
    /// spread evenly over those of its bins where P is nonzero, and P's zero bins stay zero in Q;</item>
    /// <item>KL(P‖Q) = Σ p_j ln(p_j / q_j) over p_j &gt; 0, with P and Q each normalized to sum 1; a bin where P is
    /// nonzero but Q is zero (a level whose only count is outliers) makes it infinite.</item>
    /// </list>
    /// The threshold is <c>i·width</c> for the i of least divergence (the largest such i on a tie: the least clipping),
    /// capped at max |x|. Not copied from TensorRT: this follows its published description (Migacz, "8-bit Inference with
    /// TensorRT", GTC 2017), with levels cut as pytorch-quantization's <c>_compute_amax_entropy</c> cuts them and without
    /// its replacement of bin 0's count by bin 1's (a ReLU workaround; these histograms are of |x|).
    /// </summary>
    /// <param name="histogram">The observed |x|.</param>
    /// <param name="levels">L: 128 for int8; smaller only to check the method by hand on tiny histograms.</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 level, or more levels than bins.</exception>
    /// <exception cref="InvalidOperationException">The histogram has seen no values.</exception>
    public static float Select(AbsHistogram histogram, int levels = Int8Levels)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (levels < 1 || levels > histogram.BinCount)
            throw new ArgumentOutOfRangeException(nameof(levels), levels, $"The level count must be from 1 to the bin count ({histogram.BinCount}).");
        Thresholds.RequireValues(histogram);
        if (histogram.Max == 0)
            return 0;
        var counts = histogram.Counts();
        var best = double.PositiveInfinity;
        var bestCandidate = counts.Length;
        var outliers = new double[counts.Length + 1];
        for (var j = counts.Length - 1; j >= 0; j--)
            outliers[j] = outliers[j + 1] + counts[j];
        for (var i = levels; i <= counts.Length; i++)
        {
            var divergence = Divergence(counts, i, levels, outliers[i], histogram.Count);
            if (divergence <= best)
            {
                best = divergence;
                bestCandidate = i;
            }
        }
        return Thresholds.AtMostMax(histogram, bestCandidate * histogram.BinWidth);
    }

    /// <summary>KL(P‖Q) for candidate <paramref name="i"/>, as (1/N)·Σ P_j ln(P_j / Q_j) + ln(S / N) on the unnormalized counts (S = the count below bin i).</summary>
    private static double Divergence(long[] counts, int i, int levels, double outliers, long total)
    {
        var inside = total - outliers;
        if (inside == 0)
            return double.PositiveInfinity;
        double sum = 0;
        for (var level = 0; level < levels; level++)
        {
            // Bin j is on this level when level ≤ L·j / i < level + 1, that is ceil(level·i / L) ≤ j < ceil((level+1)·i / L).
            var start = (int)(((long)level * i + levels - 1) / levels);
            var end = (int)(((long)(level + 1) * i + levels - 1) / levels);
            double mass = 0;
            var support = 0;
            for (var j = start; j < end; j++)
            {
                mass += counts[j];
                if (P(counts, j, i, outliers) > 0)
                    support++;
            }
            if (support == 0)
                continue;
            if (mass == 0)
                return double.PositiveInfinity;
            var q = mass / support;
            for (var j = start; j < end; j++)
                if (P(counts, j, i, outliers) is var p and > 0)
                    sum += p * Math.Log(p / q);
        }
        return sum / total + Math.Log(inside / total);
    }

    private static double P(long[] counts, int j, int i, double outliers) => j == i - 1 ? counts[j] + outliers : counts[j];
}
