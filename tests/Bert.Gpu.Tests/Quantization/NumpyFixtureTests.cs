using System.Text.Json;
using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Quantization;

/// <summary>
/// The observers against numpy on the same activations (tests/data/quantization, written by
/// tests/oracle/quantization_fixture.py: np.histogram, np.percentile, np.abs(x).max(axis=0)).
/// </summary>
public sealed class NumpyFixtureTests
{
    private static readonly (int Rows, int Columns, float[] Values) Activations = NpyFile.Read(RepoPaths.Data("quantization", "activations.npy"));
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(RepoPaths.Data("quantization", "expected.json"))).RootElement;

    // Fed 16 rows at a time, the rows growing: the range grows as the batches arrive and must still end up as numpy's
    // histogram over the final range.
    private static AbsHistogram Histogram()
    {
        var h = new AbsHistogram("fixture");
        var batch = Expected.GetProperty("batch_rows").GetInt32() * Activations.Columns;
        for (var i = 0; i < Activations.Values.Length; i += batch)
            h.Observe(Activations.Values.AsSpan(i, Math.Min(batch, Activations.Values.Length - i)));
        return h;
    }

    [Fact]
    public void HistogramEqualsNumpys()
    {
        var h = Histogram();
        Assert.Equal(Expected.GetProperty("max_abs").GetSingle(), h.Max);
        Assert.Equal(Expected.GetProperty("range_exponent").GetInt32(), h.RangeExponent);
        Assert.Equal(Expected.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()), h.Counts());
        Assert.True(h.RangeExponent > 5, "the fixture's first batch must not already set the final range");
    }

    [Fact]
    public void PercentilesAgreeWithNumpy()
    {
        var h = Histogram();
        foreach (var p in Expected.GetProperty("percentiles").EnumerateArray())
        {
            var t = PercentileThreshold.Select(h, p.GetProperty("p").GetDouble());
            // Within a bin of the ⌈N·p⌉-th smallest |x|, and equal (to fp32) to numpy's reading of its own histogram.
            Assert.InRange(t, p.GetProperty("empirical").GetDouble() - h.BinWidth, p.GetProperty("empirical").GetDouble() + h.BinWidth);
            Assert.Equal((float)p.GetProperty("histogram").GetDouble(), t);
        }
    }

    [Fact]
    public void EntropyAndMseAgreeWithTheNumpyTranscription()
    {
        var h = Histogram();
        Assert.Equal((float)Expected.GetProperty("entropy").GetDouble(), EntropyThreshold.Select(h));
        Assert.Equal((float)Expected.GetProperty("mse").GetDouble(), MseThreshold.Select(h));
    }

    [Fact]
    public void ChannelMaximaEqualNumpys()
    {
        var o = new ChannelAbsMaxObserver("fixture", Activations.Columns);
        for (var r = 0; r < Activations.Rows; r += 10)
            o.Observe(Activations.Values.AsSpan(r * Activations.Columns, Math.Min(10, Activations.Rows - r) * Activations.Columns));
        Assert.Equal(Expected.GetProperty("channel_max").EnumerateArray().Select(c => c.GetSingle()), o.Max());
    }
}
