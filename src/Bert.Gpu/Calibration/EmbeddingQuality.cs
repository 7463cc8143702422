namespace Bert.Gpu.Calibration;

/// <summary>
/// How close a quantized model's embeddings are to the fp32 model's on the same texts: the cosine of each pair (mean,
/// minimum, 1st percentile), and how many of each text's 10 nearest neighbours among the texts stay the same (the
/// property a retrieval user cares about).
/// </summary>
/// <param name="MeanCosine">Mean over the texts of cos(fp32 row, quantized row).</param>
/// <param name="MinCosine">The worst text's cosine.</param>
/// <param name="P1Cosine">The 1st percentile of the cosines (one text in a hundred is worse).</param>
/// <param name="TopTenOverlap">Mean over the texts of |fp32 top-10 ∩ quantized top-10| / 10, neighbours by cosine among the other texts.</param>
public sealed record EmbeddingQuality(double MeanCosine, double MinCosine, double P1Cosine, double TopTenOverlap)
{
    /// <summary>Compares <paramref name="quantized"/> with <paramref name="reference"/>, both <c>[texts, width]</c>.</summary>
    public static EmbeddingQuality Of(ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized, int width)
    {
        if (reference.Length != quantized.Length || reference.Length % width != 0 || reference.IsEmpty)
            throw new ArgumentException($"{reference.Length} and {quantized.Length} values are not the same rows of {width}.", nameof(quantized));
        var texts = reference.Length / width;
        var cosines = new double[texts];
        for (var t = 0; t < texts; t++)
            cosines[t] = Cosine(reference.Slice(t * width, width), quantized.Slice(t * width, width));
        var sorted = cosines.Order().ToArray();
        var overlap = TopTen(reference, quantized, width, texts);
        return new EmbeddingQuality(cosines.Average(), sorted[0], sorted[(int)Math.Floor(0.01 * (texts - 1))], overlap);
    }

    private static double TopTen(ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized, int width, int texts)
    {
        var k = Math.Min(10, texts - 1);
        if (k <= 0)
            return 1;
        var total = 0.0;
        var a = new double[texts];
        var b = new double[texts];
        for (var t = 0; t < texts; t++)
        {
            for (var u = 0; u < texts; u++)
            {
                a[u] = u == t ? double.NegativeInfinity : Cosine(reference.Slice(t * width, width), reference.Slice(u * width, width));
                b[u] = u == t ? double.NegativeInfinity : Cosine(quantized.Slice(t * width, width), quantized.Slice(u * width, width));
            }
            var top = Nearest(a, k);
            total += Nearest(b, k).Count(top.Contains) / (double)k;
        }
        return total / texts;
    }

    private static HashSet<int> Nearest(double[] similarity, int k) =>
        [.. Enumerable.Range(0, similarity.Length).OrderByDescending(i => similarity[i]).ThenBy(i => i).Take(k)];

    private static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += (double)x[i] * y[i];
            xx += (double)x[i] * x[i];
            yy += (double)y[i] * y[i];
        }
        return xx == 0 || yy == 0 ? (xx == yy ? 1 : 0) : dot / Math.Sqrt(xx * yy);
    }
}
