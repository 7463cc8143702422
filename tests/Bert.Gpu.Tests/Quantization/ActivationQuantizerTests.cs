using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Quantization;

public sealed class ActivationQuantizerTests
{
    // Row 0: max 7.9375 -> s = 1/16, 0.09375 = 1.5 s -> 2, -0.15625 = -2.5 s -> -2 (half to even). Row 1 is zero.
    // Row 2: max 3.96875 = 127/32 -> s = 1/32, 1 = 32 s.
    [Fact]
    public void PerTokenHandChecked()
    {
        float[] x = [-7.9375f, 0.09375f, -0.15625f, 0, 0, 0, 1, 3.96875f, -0.015625f];
        var codes = new sbyte[9];
        var scales = new float[3];
        ActivationQuantizer.QuantizePerToken(x, 3, codes, scales);
        Assert.Equal([1 / 16f, SymmetricInt8.MinScale, 1 / 32f], scales);
        Assert.Equal(new sbyte[] { -127, 2, -2, 0, 0, 0, 32, 127, 0 }, codes);
    }

    [Fact]
    public void StaticClipsBeyondTheThreshold()
    {
        var codes = new sbyte[6];
        ActivationQuantizer.QuantizeStatic([100, -100, 7.9375f, 0.03125f, -0.09375f, 8f], 1 / 16f, codes);
        Assert.Equal(new sbyte[] { 127, -127, 127, 0, -2, 127 }, codes);
    }

    // The per-token row maximum becomes ±127, no code is −128, and |q·s − x| ≤ s/2 up to fp32 rounding (as for weights).
    [Fact]
    public void PerTokenProperties()
    {
        var random = new Random(21);
        const int Rows = 50, Columns = 384;
        var x = Samples.HeavyTailed(random, Rows * Columns);
        var codes = new sbyte[x.Length];
        var scales = new float[Rows];
        ActivationQuantizer.QuantizePerToken(x, Columns, codes, scales);
        Assert.DoesNotContain(sbyte.MinValue, codes);
        for (var r = 0; r < Rows; r++)
        {
            var row = x.AsSpan(r * Columns, Columns).ToArray();
            Assert.Equal(row.Max(MathF.Abs) / 127f, scales[r]);
            var arg = Array.IndexOf(row, row.MaxBy(MathF.Abs));
            Assert.Equal(row[arg] > 0 ? 127 : -127, codes[r * Columns + arg]);
            for (var c = 0; c < Columns; c++)
                Assert.True(Math.Abs((double)codes[r * Columns + c] * scales[r] - row[c]) <= scales[r] * (0.5 + Math.ScaleB(1, -15)));
        }
    }

    [Fact]
    public void NonFiniteActivationsAndBadShapesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizeStatic([1, float.NaN], 1, new sbyte[2]));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizeStatic([1, 2], 1, new sbyte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationQuantizer.QuantizeStatic([1, 2], 0, new sbyte[2]));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizePerToken([1, float.PositiveInfinity], 2, new sbyte[2], new float[1]));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizePerToken([1, 2, 3], 2, new sbyte[3], new float[1]));
    }
}
