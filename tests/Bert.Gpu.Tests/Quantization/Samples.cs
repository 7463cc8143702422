namespace Bert.Gpu.Tests.Quantization;

/// <summary>Seeded random activations and weights for the quantization tests.</summary>
internal static class Samples
{
    /// <summary>Standard normal samples by Box–Muller.</summary>
    public static float[] Gaussian(Random random, int count, double sigma = 1)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }

    /// <summary>Like a BERT layer input: N(0, 1), except 0.1% of the values, which are N(0, 20²) outliers.</summary>
    public static float[] HeavyTailed(Random random, int count)
    {
        var values = Gaussian(random, count);
        for (var i = 0; i < count; i++)
            if (random.Next(1000) == 0)
                values[i] *= 20;
        return values;
    }
}
