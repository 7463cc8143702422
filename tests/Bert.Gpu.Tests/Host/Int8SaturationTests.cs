using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Host;

/// <summary>
/// The worst case for AVX2's 8-bit multiply: <c>vpmaddubsw</c> adds each pair of u8·s8 products into a saturating int16,
/// and with the usual u8 activations (q + 128) at q = 127 against weights of ±127 a pair is 2·255·127 = 64,770 &gt; 32,767.
/// </summary>
public class Int8SaturationTests
{
    [Theory]
    [MemberData(nameof(Int8GemmTests.Paths), MemberType = typeof(Int8GemmTests))]
    public void ActivationsAtTheMaximumAgainstWeightsAtPlusMinus127AreExact(string path)
    {
        const int rows = 7, n = 19, k = 3072; // BERT-base FFN down's K
        var x = new float[rows * k];
        Array.Fill(x, 127f, 0, 4 * k); // rows 0–3: q = +127 (u8 255)
        Array.Fill(x, -127f, 4 * k, 2 * k); // rows 4–5: q = −127 (u8 1)
        for (var i = 0; i < k; i++)
            x[6 * k + i] = i % 2 == 0 ? 127 : -127; // row 6: alternating
        var w = new sbyte[n * k];
        for (var c = 0; c < n; c++)
            for (var i = 0; i < k; i++)
                w[c * k + i] = (sbyte)(c switch
                {
                    0 => 127,
                    1 => -127,
                    2 => i % 2 == 0 ? 127 : -127,
                    3 => i / 2 % 2 == 0 ? 127 : -127,
                    _ => (c + i) % 3 == 0 ? -127 : 127,
                });
        var q = x.Select(v => (sbyte)v).ToArray();
        var expected = Int8Reference.Accumulate(q, rows, w, n, k);
        Assert.Equal(127L * 127 * k, expected[0]);

        // The test can tell: a kernel built on vpmaddubsw with u8 = q + 128 (and 128·Σw subtracted) gets these wrong.
        var naive = NaiveMaddubs(q, rows, w, n, k);
        Assert.Equal(391_680, naive[0]); // 1536 pairs saturated at 32,767, minus 128·127·3072
        Assert.True(Enumerable.Range(0, expected.Length).Count(i => naive[i] != expected[i]) > rows * n / 2);

        foreach (var quantization in new[] { ActivationQuantization.Static(1f), ActivationQuantization.DynamicPerToken })
        {
            // Dynamic: every row's max |x| is 127, so its scale is 1 and q is the same.
            var y = Int8Run.Linear(x, rows, new HostInt8LinearWeights(w, Enumerable.Repeat(1f, n).ToArray(), new float[n], n, k),
                quantization, Activation.None, null, Enum.Parse<HostInt8Path>(path), threads: 2);
            for (var i = 0; i < expected.Length; i++)
                Assert.True((float)expected[i] == y[i], $"{quantization} [{i / n}, {i % n}]: {y[i]}, expected {expected[i]}");
        }
    }

    /// <summary>
    /// What such a kernel computes, lane by lane: pairs (k, k+1) of (q + 128)·w summed with int16 saturation, widened and
    /// added (vpmaddwd by ones, vpaddd), then the zero-point correction 128·Σ_k w.
    /// </summary>
    private static long[] NaiveMaddubs(sbyte[] q, int rows, sbyte[] w, int n, int k)
    {
        var acc = new long[rows * n];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < n; c++)
            {
                long sum = 0, weights = 0;
                for (var i = 0; i < k; i += 2)
                {
                    var pair = (q[r * k + i] + 128) * w[c * k + i] + (q[r * k + i + 1] + 128) * w[c * k + i + 1];
                    sum += Math.Clamp(pair, short.MinValue, short.MaxValue);
                    weights += w[c * k + i] + w[c * k + i + 1];
                }
                acc[r * n + c] = sum - 128 * weights;
            }
        return acc;
    }
}
