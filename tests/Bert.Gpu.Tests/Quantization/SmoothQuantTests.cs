using Bert.Gpu.Quantization.Observers;
using Bert.Gpu.Quantization.Smoothing;

namespace Bert.Gpu.Tests.Quantization;

public sealed class SmoothQuantTests
{
    private const int Rows = 100, Hidden = 64, Outputs = 48;

    // LN'(x)·W'ᵀ against LN(x)·Wᵀ, both in double from the fp32 parameters. Folding rounds γ/s and W·s to fp32 once
    // each (2^-24 relative apiece), so each product term moves by under 3·2^-24 of itself: the bound 1e-6·Σ|terms|
    // holds with room, and a fold in the wrong direction (γ·s) misses it by orders of magnitude.
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.85)]
    [InlineData(1.0)]
    public void FoldingIntoLayerNormKeepsTheProduct(double alpha)
    {
        var random = new Random(91);
        var x = Samples.Gaussian(random, Rows * Hidden, sigma: 3);
        var gamma = Samples.Gaussian(random, Hidden).Select(g => 1 + 0.2f * g).ToArray();
        var beta = Samples.Gaussian(random, Hidden, sigma: 0.1).ToArray();
        gamma[7] = 30; // outlier channels, as in BERT's LayerNorm outputs
        beta[50] = -12;
        var w = Samples.Gaussian(random, Outputs * Hidden, sigma: 0.05);
        var normalized = Normalize(x);

        var observer = new ChannelAbsMaxObserver("ln", Hidden);
        observer.Observe(Affine(normalized, gamma, beta).Select(v => (float)v).ToArray());
        var s = SmoothQuant.Factors(observer.Max(), SmoothQuant.WeightColumnAbsMax(w, Outputs, Hidden), alpha);
        float[] gamma2 = [.. gamma], beta2 = [.. beta], w2 = [.. w];
        SmoothQuant.FoldIntoLayerNorm(gamma2, beta2, s);
        SmoothQuant.ScaleWeightColumns(w2, Outputs, Hidden, s);

        var before = Affine(normalized, gamma, beta);
        var after = Affine(normalized, gamma2, beta2);
        for (var r = 0; r < Rows; r++)
            for (var o = 0; o < Outputs; o++)
            {
                double expected = 0, actual = 0, magnitude = 0;
                for (var j = 0; j < Hidden; j++)
                {
                    expected += before[r * Hidden + j] * w[o * Hidden + j];
                    actual += after[r * Hidden + j] * w2[o * Hidden + j];
                    magnitude += Math.Abs(before[r * Hidden + j] * w[o * Hidden + j]);
                }
                Assert.True(Math.Abs(actual - expected) <= 1e-6 * magnitude, $"row {r}, output {o}: {actual} vs {expected}");
            }
    }

    // ctx = A·(X·Wpᵀ + bp) with A row-stochastic (attention's mixing), then ctx·Wᵀ: dividing Wp's rows and bp by s and
    // multiplying W's columns by s keeps the product, as in the LayerNorm case.
    [Fact]
    public void FoldingIntoTheProducerKeepsTheProductThroughAMixing()
    {
        var random = new Random(92);
        const int Inner = 24;
        var x = Samples.Gaussian(random, Rows * Inner);
        var wp = Samples.Gaussian(random, Hidden * Inner, sigma: 0.3);
        var bp = Samples.Gaussian(random, Hidden, sigma: 0.1);
        for (var c = 0; c < Inner; c++)
            wp[3 * Inner + c] *= 40; // an outlier output channel
        var w = Samples.Gaussian(random, Outputs * Hidden, sigma: 0.05);
        var mix = new double[Rows * Rows];
        for (var r = 0; r < Rows; r++)
        {
            var row = Enumerable.Range(0, Rows).Select(_ => random.NextDouble()).ToArray();
            for (var c = 0; c < Rows; c++)
                mix[r * Rows + c] = row[c] / row.Sum();
        }
        double[] Ctx(float[] weight, float[] bias)
        {
            var v = new double[Rows * Hidden];
            for (var r = 0; r < Rows; r++)
                for (var h = 0; h < Hidden; h++)
                {
                    double sum = bias[h];
                    for (var c = 0; c < Inner; c++)
                        sum += (double)x[r * Inner + c] * weight[h * Inner + c];
                    v[r * Hidden + h] = sum;
                }
            var ctx = new double[Rows * Hidden];
            for (var r = 0; r < Rows; r++)
                for (var k = 0; k < Rows; k++)
                    for (var h = 0; h < Hidden; h++)
                        ctx[r * Hidden + h] += mix[r * Rows + k] * v[k * Hidden + h];
            return ctx;
        }
        var before = Ctx(wp, bp);
        var observer = new ChannelAbsMaxObserver("ctx", Hidden);
        observer.Observe(before.Select(v => (float)v).ToArray());
        var s = SmoothQuant.Factors(observer.Max(), SmoothQuant.WeightColumnAbsMax(w, Outputs, Hidden), 0.5);
        float[] wp2 = [.. wp], bp2 = [.. bp], w2 = [.. w];
        SmoothQuant.FoldIntoProducerRows(wp2, bp2, Hidden, Inner, s);
        SmoothQuant.ScaleWeightColumns(w2, Outputs, Hidden, s);
        var after = Ctx(wp2, bp2);
        for (var r = 0; r < Rows; r++)
            for (var o = 0; o < Outputs; o++)
            {
                double expected = 0, actual = 0, magnitude = 0;
                for (var h = 0; h < Hidden; h++)
                {
                    expected += before[r * Hidden + h] * w[o * Hidden + h];
                    actual += after[r * Hidden + h] * w2[o * Hidden + h];
                    magnitude += Math.Abs(before[r * Hidden + h] * w[o * Hidden + h]);
                }
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * magnitude, $"row {r}, output {o}: {actual} vs {expected}");
            }
    }

    // α = 1 moves everything into the weights: every smoothed activation channel peaks at exactly 1. α = 0 moves
    // everything into the activations: every scaled weight column peaks at 1 (to fp32 rounding of 1/max and the product).
    // α = 0.5 balances them: max|X_j / s_j| = max|W_j · s_j| = sqrt(max|X_j|·max|W_j|).
    [Fact]
    public void AlphaMovesTheRangeBetweenActivationsAndWeights()
    {
        var random = new Random(93);
        var activation = Samples.Gaussian(random, Hidden).Select(v => 0.1f + 50 * MathF.Abs(v)).ToArray();
        var w = Samples.Gaussian(random, Outputs * Hidden, sigma: 0.05);
        var weight = SmoothQuant.WeightColumnAbsMax(w, Outputs, Hidden);

        var one = SmoothQuant.Factors(activation, weight, 1);
        Assert.Equal(activation.Select(_ => 1f), activation.Zip(one, (a, s) => a / s));

        var zero = SmoothQuant.Factors(activation, weight, 0);
        var scaled = (float[])w.Clone();
        SmoothQuant.ScaleWeightColumns(scaled, Outputs, Hidden, zero);
        Assert.All(SmoothQuant.WeightColumnAbsMax(scaled, Outputs, Hidden), m => Assert.InRange(m, 1 - 3e-7f, 1 + 3e-7f));

        var half = SmoothQuant.Factors(activation, weight, 0.5);
        for (var j = 0; j < Hidden; j++)
        {
            double a = activation[j] / (double)half[j], b = weight[j] * (double)half[j];
            Assert.True(Math.Abs(a - b) <= 1e-6 * a, $"channel {j}: {a} vs {b}");
            Assert.True(Math.Abs(a - Math.Sqrt((double)activation[j] * weight[j])) <= 1e-6 * a);
        }
    }

    [Fact]
    public void DeadChannelsAreLeftAlone()
    {
        Assert.Equal([1f, 1f, 1f, 4f], SmoothQuant.Factors([0, 3, 0, 16], [2, 0, 0, 1], 0.5));
    }

    [Fact]
    public void BadInputsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SmoothQuant.Factors([1], [1], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SmoothQuant.Factors([1], [1], double.NaN));
        Assert.Throws<ArgumentException>(() => SmoothQuant.Factors([1, 2], [1], 0.5));
        Assert.Throws<ArgumentException>(() => SmoothQuant.Factors([-1], [1], 0.5));
        Assert.Throws<ArgumentException>(() => SmoothQuant.Factors([float.PositiveInfinity], [1], 0.5));
        Assert.Contains("outside float's normal range", Assert.Throws<ArgumentException>(() => SmoothQuant.Factors([1], [1e-39f], 0)).Message);
        Assert.Throws<ArgumentException>(() => SmoothQuant.ScaleWeightColumns(new float[6], 2, 3, [1, 1]));
        Assert.Throws<ArgumentException>(() => SmoothQuant.FoldIntoLayerNorm(new float[3], new float[2], [1, 1, 1]));
        Assert.Throws<ArgumentException>(() => SmoothQuant.FoldIntoProducerRows(new float[6], new float[3], 2, 3, [1, 1]));
    }

    private static double[] Normalize(float[] x)
    {
        var result = new double[x.Length];
        for (var r = 0; r < Rows; r++)
        {
            var row = x.AsSpan(r * Hidden, Hidden).ToArray().Select(v => (double)v).ToArray();
            var mean = row.Average();
            var variance = row.Sum(v => (v - mean) * (v - mean)) / Hidden;
            for (var j = 0; j < Hidden; j++)
                result[r * Hidden + j] = (row[j] - mean) / Math.Sqrt(variance + 1e-12);
        }
        return result;
    }

    private static double[] Affine(double[] normalized, float[] gamma, float[] beta) =>
        [.. normalized.Select((v, i) => v * gamma[i % Hidden] + beta[i % Hidden])];
}
