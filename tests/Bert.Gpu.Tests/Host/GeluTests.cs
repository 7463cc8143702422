using System.Runtime.Intrinsics;
using Bert.Gpu.Backends;
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

    [Fact]
    public void ScalarAndVectorGeluTanhMatchTheDoubleFormulaEverywhere()
    {
        // The grid, then where tanh saturates and where e^{2u} overflows or underflows.
        float[] xs = [.. Enumerable.Range(-1200, 2400).Select(i => i / 100f), -1e30f, -100f, -20f, 20f, 100f, 1e30f, 0f, 1e-20f];
        var vector = new float[8];
        for (var i = 0; i + 8 <= xs.Length; i += 8)
        {
            VectorGeluTanh.Apply(Vector256.Create(xs.AsSpan(i, 8))).CopyTo(vector);
            for (var j = 0; j < 8; j++)
            {
                double x = xs[i + j];
                var expected = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
                var allowed = 2e-6 * Math.Max(1, Math.Abs(x));
                Assert.True(Math.Abs(GeluTanh.Apply((float)x) - expected) <= allowed, $"scalar GELU-tanh({x}) = {GeluTanh.Apply((float)x)}, expected {expected}");
                Assert.True(Math.Abs(vector[j] - expected) <= allowed, $"vector GELU-tanh({x}) = {vector[j]}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData(Activation.None)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    public void ScalarAndVectorActivationsAgreeWithTheReference(Activation activation)
    {
        var xs = Enumerable.Range(-64, 128).Select(i => i / 8f).ToArray();
        var vector = new float[8];
        for (var i = 0; i < xs.Length; i += 8)
        {
            VectorActivation.Apply(activation, Vector256.Create(xs.AsSpan(i, 8))).CopyTo(vector);
            for (var j = 0; j < 8; j++)
            {
                var expected = Reference.Activate(activation, xs[i + j]);
                Assert.True(Math.Abs(VectorActivation.Apply(activation, xs[i + j]) - expected) <= 1e-5, $"scalar {activation}({xs[i + j]})");
                Assert.True(Math.Abs(vector[j] - expected) <= 1e-5, $"vector {activation}({xs[i + j]})");
            }
        }
    }
}
