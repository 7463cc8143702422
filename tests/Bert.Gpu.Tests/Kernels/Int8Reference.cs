namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Plain references for the int8 kernels, written from the definitions and sharing no code with them: quantization
/// through <c>MathF.Round</c> (round half to even) and <c>Math.Clamp</c>, packing through little-endian bytes and
/// <c>BitConverter</c>, accumulation in int64, the epilogue in double with a GELU accurate at every x (<see cref="Support.Reference.Gelu"/>).
/// </summary>
internal static class Int8Reference
{
    /// <summary>
    /// Each row quantized symmetrically: scale = max|x| / 127 in fp32 (1 for an all-zero row) or the static scale, then
    /// q = clamp(round-half-to-even(x / scale), −127, 127) with the quotient in fp32, as the kernel's contract says.
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizeRows(float[] x, int rows, int width, float? staticScale)
    {
        var values = new sbyte[rows * width];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * width, width);
            var max = 0f;
            foreach (var v in row)
                max = Math.Max(max, Math.Abs(v));
            var scale = staticScale ?? (max == 0f ? 1f : max / 127f);
            scales[r] = scale;
            for (var c = 0; c < width; c++)
                values[r * width + c] = (sbyte)Math.Clamp(MathF.Round(row[c] / scale, MidpointRounding.ToEven), -127f, 127f);
        }
        return (values, scales);
    }

    /// <summary>Rows of int8 values as little-endian 32-bit words, each row zero-padded to a multiple of 4 bytes.</summary>
    public static int[] Pack(sbyte[] values, int rows, int width)
    {
        var words = (width + 3) / 4;
        var bytes = new byte[words * 4];
        var packed = new int[rows * words];
        for (var r = 0; r < rows; r++)
        {
            Array.Clear(bytes);
            for (var c = 0; c < width; c++)
                bytes[c] = unchecked((byte)values[r * width + c]);
            for (var w = 0; w < words; w++)
                packed[r * words + w] = BitConverter.ToInt32(bytes, 4 * w);
        }
        return packed;
    }

    /// <summary><c>acc[r, c] = Σ_k x[r, k]·w[c, k]</c> in int64 (no overflow possible at any K these tests use).</summary>
    public static long[] Accumulate(sbyte[] x, int rows, sbyte[] w, int outFeatures, int width)
    {
        var acc = new long[rows * outFeatures];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < outFeatures; c++)
            {
                long sum = 0;
                for (var k = 0; k < width; k++)
                    sum += x[r * width + k] * w[c * width + k];
                acc[r * outFeatures + c] = sum;
            }
        return acc;
    }

    /// <summary>
    /// The epilogue in double, <c>act(acc·xScale[r]·wScale[c] + bias[c]) + residual</c>, with the fp32 error the kernel
    /// may add to each element: <see cref="EpilogueBound"/> relative to the magnitudes involved.
    /// </summary>
    public static (double[] Expected, double[] Allowed) Epilogue(long[] acc, int rows, int outFeatures, float[] xScale,
        float[] wScale, float[] bias, bool gelu, float[]? residual)
    {
        var expected = new double[rows * outFeatures];
        var allowed = new double[rows * outFeatures];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < outFeatures; c++)
            {
                var i = r * outFeatures + c;
                var dequantized = acc[i] * (double)xScale[r] * wScale[c];
                var v = dequantized + bias[c];
                if (gelu)
                    v = Support.Reference.Gelu(v);
                var added = residual?[i] ?? 0f;
                expected[i] = v + added;
                allowed[i] = EpilogueBound * (Math.Abs(dequantized) + Math.Abs(bias[c]) + Math.Abs(added));
            }
        return (expected, allowed);
    }

    /// <summary>
    /// Relative error allowed per element: fp32 rounds <c>(float)acc</c>, the scale product, the product and the bias sum
    /// (4 roundings of 2⁻²⁴ ≈ 6e-8 each, 2.4e-7 — less where CUDA fuses the multiply-add), the GELU's rational erf a few
    /// ulp of 1 times |x| (on the negative side, where 1 + erf cancels) and the residual sum one more: 1e-6 leaves a
    /// factor of ~4 over that and is still far below any real bug (a wrong scale, bias or row is an O(1) error).
    /// </summary>
    public const double EpilogueBound = 1e-6;

    /// <summary>Uniform int8 values in [<paramref name="min"/>, 127].</summary>
    public static sbyte[] RandomInt8(Random random, int length, int min)
    {
        var values = new sbyte[length];
        for (var i = 0; i < length; i++)
            values[i] = (sbyte)random.Next(min, 128);
        return values;
    }
}

/// <summary>
/// What an int8 check found: how many of the outputs lie outside their bound (0 for the exact checks), the worst
/// excess as |Δ| / allowed (or |Δ| where exactness is required) and the first offender.
/// </summary>
internal sealed record Int8Verdict(string What, int Checked, int Wrong, double Worst, string? FirstWrong)
{
    public bool Holds => Checked > 0 && Wrong == 0;

    public override string ToString() =>
        $"{What}: {Wrong} of {Checked} outside the bound, worst {Worst:g3}{(FirstWrong is null ? "" : $", first: {FirstWrong}")}";

    /// <summary>Every <paramref name="actual"/> value equal to <paramref name="expected"/> bit for bit.</summary>
    public static Int8Verdict Exact<T>(string what, T[] expected, T[] actual, Func<T, T, double> distance) where T : IEquatable<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        int wrong = 0;
        double worst = 0;
        string? first = null;
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i].Equals(actual[i]))
                continue;
            wrong++;
            worst = Math.Max(worst, distance(expected[i], actual[i]));
            first ??= $"[{i}] expected {expected[i]}, got {actual[i]}";
        }
        return new(what, expected.Length, wrong, worst, first);
    }

    /// <summary>Every <paramref name="actual"/> value within <paramref name="allowed"/> of <paramref name="expected"/>.</summary>
    public static Int8Verdict Within(string what, double[] expected, double[] allowed, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int wrong = 0;
        double worst = 0;
        string? first = null;
        for (var i = 0; i < expected.Length; i++)
        {
            var delta = Math.Abs(actual[i] - expected[i]);
            // A zero bound (acc, bias and residual all 0) demands exactly 0; NaN is never within.
            var excess = allowed[i] > 0 ? delta / allowed[i] : delta == 0 ? 0 : double.PositiveInfinity;
            worst = Math.Max(worst, excess);
            if (excess <= 1)
                continue;
            wrong++;
            first ??= $"[{i}] expected {expected[i]:R} ± {allowed[i]:g3}, got {actual[i]:R}";
        }
        return new(what, expected.Length, wrong, worst, first);
    }
}
