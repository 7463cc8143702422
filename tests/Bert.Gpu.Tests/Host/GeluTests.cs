using System.Runtime.Intrinsics;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Host;

public class GeluTests
{
    [Theory]
    // Tabulated values of erf (Abramowitz & Stegun, table 7.1).
    [InlineData(0.1, 0.1124629160)]
    [InlineData(0.5, 0.5204998778)]
    [InlineData(1.0, 0.8427007929)]
    [InlineData(2.0, 0.9953222650)]
    [InlineData(-1.5, -0.9661051465)]
    [InlineData(3.0, 0.9999779095)]
    public void ErfMatchesTables(double x, double expected) =>
        Assert.Equal(expected, Gelu.Erf((float)x), 6);

    [Fact]
    public void ScalarAndVectorGeluMatchTheSeriesReferenceEverywhere()
    {
        var xs = Enumerable.Range(-1200, 2401).Select(i => i / 100f).ToArray();
        var vector = new float[8];
        for (var i = 0; i + 8 <= xs.Length; i += 8)
        {
            VectorGelu.Apply(Vector256.Create(xs.AsSpan(i, 8))).CopyTo(vector);
            for (var j = 0; j < 8; j++)
            {
                var x = xs[i + j];
                var expected = Reference.Gelu(x);
                Assert.True(Math.Abs(Gelu.Apply(x) - expected) <= 2e-6 * Math.Max(1, Math.Abs(x)), $"scalar GELU({x})");
                Assert.True(Math.Abs(vector[j] - expected) <= 2e-6 * Math.Max(1, Math.Abs(x)), $"vector GELU({x})");
            }
        }
    }
}
