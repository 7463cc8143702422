using Bert.Gpu.Quantization;

namespace Bert.Gpu.Tests.Quantization;

public sealed class Int8MatrixTests
{
    // Row 0: max 7.9375 = 127/16, so s = 1/16 exactly and w/s is exact: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2 (half to even),
    // -48 -> -48. Row 1 is zero: the smallest normal scale, codes 0. Row 2: ±max -> ±127.
    [Fact]
    public void HandCheckedMatrix()
    {
        float[] w =
        [
            7.9375f, 0.03125f, 0.09375f, -0.15625f, -3f,
            0, 0, 0, 0, 0,
            -7.9375f, 7.9375f, 0, 0, 0.0625f,
        ];
        var m = Int8Matrix.Quantize(w, 3, 5, "w");
        Assert.Equal([1 / 16f, SymmetricInt8.MinScale, 1 / 16f], m.Scales);
        Assert.Equal(new sbyte[] { 127, 0, 2, -2, -48, 0, 0, 0, 0, 0, -127, 127, 0, 0, 1 }, m.Values);
        Assert.Equal([7.9375f, 0, 0.125f, -0.125f, -3f, 0, 0, 0, 0, 0, -7.9375f, 7.9375f, 0, 0, 0.0625f], m.Dequantize());
        Assert.Equal(1.17549435e-38f, SymmetricInt8.MinScale);
        Assert.True(float.IsNormal(SymmetricInt8.MinScale) && !float.IsNormal(SymmetricInt8.MinScale / 2));
    }

    // |q·s − w| ≤ s/2 in real arithmetic; the fp32 division w/s (relative error 2^-24, |w/s| ≤ 127) and the product q·s
    // (another 127·2^-24 of s) add at most 2·127·2^-24·s < 2^-15·s.
    [Fact]
    public void DequantizationErrorIsAtMostHalfAScale()
    {
        var random = new Random(11);
        const int Rows = 97, Columns = 131;
        var w = Samples.HeavyTailed(random, Rows * Columns);
        for (var c = 0; c < Columns; c++)
            w[5 * Columns + c] *= 1e-30f; // a row of tiny weights
        w[7 * Columns + 3] = -1000; // a row whose max magnitude is negative
        var m = Int8Matrix.Quantize(w, Rows, Columns, "w");
        var back = m.Dequantize();
        for (var r = 0; r < Rows; r++)
        {
            var s = (double)m.Scales[r];
            for (var c = 0; c < Columns; c++)
            {
                var i = r * Columns + c;
                Assert.True(Math.Abs((double)back[i] - w[i]) <= s * (0.5 + Math.ScaleB(1, -15)), $"[{r}, {c}]: {w[i]} -> {back[i]} with scale {s}");
            }
        }
    }

    [Fact]
    public void CodesAreSymmetricAndEachRowsLargestMagnitudeIsFullScale()
    {
        var random = new Random(12);
        const int Rows = 64, Columns = 77;
        var w = Samples.Gaussian(random, Rows * Columns);
        var m = Int8Matrix.Quantize(w, Rows, Columns, "w");
        Assert.DoesNotContain(sbyte.MinValue, m.Values);
        for (var r = 0; r < Rows; r++)
        {
            var row = w.AsSpan(r * Columns, Columns).ToArray();
            var arg = Array.IndexOf(row, row.MaxBy(MathF.Abs));
            Assert.Equal(row[arg] > 0 ? 127 : -127, m.Values[r * Columns + arg]);
            Assert.Equal(row.Max(MathF.Abs) / 127f, m.Scales[r]);
        }
    }

    [Fact]
    public void AValueBelowTheScaleByMoreThanHalfAStepGoesToTheNearestLevel()
    {
        // s = 1/16: 0.0625·(k ± 0.499) rounds to k for every k in range, both signs.
        for (var k = -126; k <= 126; k++)
        {
            Assert.Equal(k, SymmetricInt8.Quantize((k + 0.499f) / 16, 1 / 16f));
            Assert.Equal(k, SymmetricInt8.Quantize((k - 0.499f) / 16, 1 / 16f));
        }
        Assert.Equal(127, SymmetricInt8.Quantize(1e30f, 1 / 16f));
        Assert.Equal(-127, SymmetricInt8.Quantize(-1e30f, 1 / 16f));
    }

    [Fact]
    public void NonFiniteWeightIsRefusedWithItsTensorAndPosition()
    {
        var e = Assert.Throws<ArgumentException>(() => Int8Matrix.Quantize([1, 2, float.NaN, 4], 2, 2, "encoder.layer.0.output.dense.weight"));
        Assert.StartsWith("tensor 'encoder.layer.0.output.dense.weight': weight [1, 0] is NaN;", e.Message);
        Assert.Throws<ArgumentException>(() => Int8Matrix.Quantize([1, 2, 3], 2, 2, "w"));
    }

    [Fact]
    public void ConstructorRefusesWhatSymmetricInt8NeverHolds()
    {
        Assert.Contains("-128", Assert.Throws<ArgumentException>(() => new Int8Matrix([1, -128], [1], 1, 2)).Message);
        Assert.Contains("scale of row 0", Assert.Throws<ArgumentException>(() => new Int8Matrix([1, 2], [0], 1, 2)).Message);
        Assert.Contains("scale of row 0", Assert.Throws<ArgumentException>(() => new Int8Matrix([1, 2], [float.NaN], 1, 2)).Message);
        Assert.Throws<ArgumentException>(() => new Int8Matrix([1, 2], [1, 1], 1, 2));
        Assert.Throws<ArgumentException>(() => new Int8Matrix([1, 2, 3], [1], 1, 2));
    }

    [Fact]
    public void ScaleRefusesNegativeAndNonFiniteMaxima()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricInt8.Scale(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricInt8.Scale(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricInt8.Scale(float.PositiveInfinity));
        // A subnormal max would make a subnormal (or zero) scale: the floor keeps it normal.
        Assert.Equal(SymmetricInt8.MinScale, SymmetricInt8.Scale(float.Epsilon));
    }
}
