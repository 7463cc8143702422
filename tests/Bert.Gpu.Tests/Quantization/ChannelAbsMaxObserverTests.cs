using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Tests.Quantization;

public sealed class ChannelAbsMaxObserverTests
{
    [Fact]
    public void HandChecked()
    {
        var o = new ChannelAbsMaxObserver("x", 3);
        o.Observe([1, -5, 0, -2, 4, 0]);
        o.Observe([0.5f, 0, -0f]);
        Assert.Equal([2f, 5f, 0f], o.Max());
        Assert.Equal(3, o.Rows);
    }

    // Widths that are and are not multiples of the vector width, against a per-column max written for the test.
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(384)]
    [InlineData(1539)]
    public void EqualsAPlainColumnMax(int channels)
    {
        var random = new Random(channels);
        var o = new ChannelAbsMaxObserver("x", channels);
        var expected = new float[channels];
        for (var batch = 0; batch < 5; batch++)
        {
            var rows = Samples.HeavyTailed(random, channels * random.Next(1, 40));
            o.Observe(rows);
            for (var i = 0; i < rows.Length; i++)
                expected[i % channels] = MathF.Max(expected[i % channels], MathF.Abs(rows[i]));
        }
        Assert.Equal(expected, o.Max());
    }

    [Fact]
    public void RefusedBatchesLeaveNoTrace()
    {
        var o = new ChannelAbsMaxObserver("ln out", 2);
        o.Observe([1, 1]);
        Assert.Throws<ArgumentException>(() => o.Observe([1, 2, 3]));
        var e = Assert.Throws<ArgumentException>(() => o.Observe([9, 9, float.NaN, 9]));
        Assert.StartsWith("observer 'ln out': activation 4 is NaN;", e.Message);
        Assert.Equal([1f, 1f], o.Max());
        Assert.Equal(1, o.Rows);
    }
}
