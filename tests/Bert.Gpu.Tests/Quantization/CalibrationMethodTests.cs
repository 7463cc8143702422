using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class CalibrationMethodTests
{
    [Theory]
    [InlineData("minmax")]
    [InlineData("entropy")]
    [InlineData("mse")]
    [InlineData("percentile-99.99")]
    [InlineData("percentile-99.999")]
    [InlineData("percentile-100")]
    public void NamesRoundTrip(string name) => Assert.Equal(name, CalibrationMethod.Parse(name).Name);

    [Theory]
    [InlineData("max")]
    [InlineData("percentile-")]
    [InlineData("percentile-0")]
    [InlineData("percentile-101")]
    [InlineData("percentile--5")]
    [InlineData("percentile-1e2")]
    [InlineData("Entropy")]
    public void UnknownNamesSayWhatIsKnown(string name) =>
        Assert.Contains("use minmax, percentile-P", Assert.Throws<ArgumentException>(() => CalibrationMethod.Parse(name)).Message);

    [Fact]
    public void EachMethodIsItsSelector()
    {
        var h = new AbsHistogram("x");
        var x = Samples.HeavyTailed(new Random(81), 100_000);
        h.Observe(x);
        Assert.Equal(x.Max(MathF.Abs), CalibrationMethod.MinMax.Threshold(h));
        Assert.Equal(PercentileThreshold.Select(h, 99.9), CalibrationMethod.Percentile(99.9).Threshold(h));
        Assert.Equal(EntropyThreshold.Select(h), CalibrationMethod.Entropy.Threshold(h));
        Assert.Equal(MseThreshold.Select(h), CalibrationMethod.Mse.Threshold(h));
        Assert.Throws<InvalidOperationException>(() => CalibrationMethod.MinMax.Threshold(new AbsHistogram("empty")));
    }
}
