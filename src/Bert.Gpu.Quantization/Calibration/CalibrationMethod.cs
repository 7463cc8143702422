using System.Globalization;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Quantization.Calibration;

/// <summary>
/// A calibration method with its parameter, by the name a command line or a <c>.qbert</c> file's metadata gives it:
/// <c>minmax</c>, <c>percentile-P</c> (P in (0, 100], e.g. <c>percentile-99.99</c>), <c>entropy</c> or <c>mse</c>.
/// </summary>
public sealed record CalibrationMethod
{
    private const string PercentilePrefix = "percentile-";

    private CalibrationMethod(CalibrationKind kind, double? percent)
    {
        Kind = kind;
        Percent = percent;
    }

    /// <summary>max |x|.</summary>
    public static CalibrationMethod MinMax { get; } = new(CalibrationKind.MinMax, null);

    /// <summary>Least KL divergence over 128 levels.</summary>
    public static CalibrationMethod Entropy { get; } = new(CalibrationKind.Entropy, null);

    /// <summary>Least squared error over 127 levels.</summary>
    public static CalibrationMethod Mse { get; } = new(CalibrationKind.Mse, null);

    /// <summary>Which method.</summary>
    public CalibrationKind Kind { get; }

    /// <summary>The percentile of <see cref="CalibrationKind.Percentile"/>; null for the others.</summary>
    public double? Percent { get; }

    /// <summary>The name it parses from.</summary>
    public string Name => Kind switch
    {
        CalibrationKind.MinMax => "minmax",
        CalibrationKind.Percentile => PercentilePrefix + Percent!.Value.ToString("R", CultureInfo.InvariantCulture),
        CalibrationKind.Entropy => "entropy",
        _ => "mse",
    };

    /// <summary>The percentile method at <paramref name="percent"/> (99.9, 99.99 and 99.999 are the usual choices).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percent"/> is not in (0, 100].</exception>
    public static CalibrationMethod Percentile(double percent)
    {
        if (!(percent > 0 && percent <= 100))
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile must be in (0, 100].");
        return new CalibrationMethod(CalibrationKind.Percentile, percent);
    }

    /// <summary>The method named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not one of the names.</exception>
    public static CalibrationMethod Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case "minmax":
                return MinMax;
            case "entropy":
                return Entropy;
            case "mse":
                return Mse;
        }
        if (name.StartsWith(PercentilePrefix, StringComparison.Ordinal)
            && double.TryParse(name.AsSpan(PercentilePrefix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent)
            && percent > 0 && percent <= 100)
            return Percentile(percent);
        throw new ArgumentException($"'{name}' is not a calibration method; use minmax, percentile-P with P in (0, 100] (e.g. percentile-99.99), entropy or mse.", nameof(name));
    }

    /// <summary>The clipping threshold T this method picks for <paramref name="histogram"/>; the static scale is then <c>SymmetricInt8.Scale(T)</c>.</summary>
    /// <exception cref="InvalidOperationException">The histogram has seen no values.</exception>
    public float Threshold(AbsHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        switch (Kind)
        {
            case CalibrationKind.MinMax:
                Thresholds.RequireValues(histogram);
                return histogram.Max;
            case CalibrationKind.Percentile:
                return PercentileThreshold.Select(histogram, Percent!.Value);
            case CalibrationKind.Entropy:
                return EntropyThreshold.Select(histogram);
            default:
                return MseThreshold.Select(histogram);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
