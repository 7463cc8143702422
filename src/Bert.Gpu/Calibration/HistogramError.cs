using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Calibration;

/// <summary>
/// What a static threshold does to the activations a histogram describes, taking each bin's values as spread evenly
/// over it (the approximation the MSE threshold uses too): the fraction clipped and the signal-to-noise ratio.
/// </summary>
internal static class HistogramError
{
    public static (double Clipped, double SqnrDb) At(AbsHistogram histogram, float threshold)
    {
        var counts = histogram.Counts();
        var width = histogram.BinWidth;
        var step = threshold / (double)SymmetricInt8.MaxLevel;
        double signal = 0, noise = 0, clipped = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
                continue;
            double a = i * width, b = (i + 1) * width, c = counts[i];
            signal += c * (a * a + a * b + b * b) / 3;
            // Below the threshold, rounding error uniform over a step: step²/12; beyond it, (x − T)² averaged over the bin's part there.
            var inside = Math.Clamp((threshold - a) / (b - a), 0, 1);
            noise += c * inside * step * step / 12;
            if (inside < 1)
            {
                var from = Math.Max(a, threshold);
                noise += c * (Math.Pow(b - threshold, 3) - Math.Pow(from - threshold, 3)) / (3 * (b - a));
                clipped += c * (1 - inside);
            }
        }
        var total = counts.Sum();
        return (total == 0 ? 0 : clipped / total, noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise));
    }

    /// <summary>The signal-to-noise ratio of int8 weight codes against the fp32 weight they stand for.</summary>
    public static double WeightSqnrDb(ReadOnlySpan<float> weight, Int8Matrix codes)
    {
        double signal = 0, noise = 0;
        for (var r = 0; r < codes.Rows; r++)
            for (var c = 0; c < codes.Columns; c++)
            {
                var w = weight[r * codes.Columns + c];
                var e = w - codes.Values[r * codes.Columns + c] * (double)codes.Scales[r];
                signal += w * (double)w;
                noise += e * e;
            }
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }
}
