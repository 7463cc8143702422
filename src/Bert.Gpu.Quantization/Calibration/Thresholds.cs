using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Quantization.Calibration;

/// <summary>What the threshold methods share.</summary>
internal static class Thresholds
{
    /// <summary>A threshold needs at least one observed value.</summary>
    public static void RequireValues(AbsHistogram histogram)
    {
        if (histogram.Count == 0)
            throw new InvalidOperationException($"observer '{histogram.Name}' has seen no activations; run calibration over at least one batch before choosing its threshold.");
    }

    /// <summary>
    /// <paramref name="threshold"/> as a float, capped at max |x|: past it nothing is clipped, and a larger threshold only
    /// coarsens the steps.
    /// </summary>
    public static float AtMostMax(AbsHistogram histogram, double threshold) => (float)Math.Min(threshold, histogram.Max);

    /// <summary>The index of the last bin with a count (the one holding max |x|); −1 for none.</summary>
    public static int LastNonEmpty(long[] counts)
    {
        var last = counts.Length - 1;
        while (last >= 0 && counts[last] == 0)
            last--;
        return last;
    }
}
