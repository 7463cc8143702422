using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Host;

/// <summary>
/// The int8 linear layer from its definition, one element at a time: activations quantized in fp32 as specified
/// (<c>round-half-to-even(x / scale)</c>, clamped), int64 dot products, a double-precision epilogue.
/// </summary>
internal static class Int8Reference
{
    public static (sbyte[] Q, float[] Scales) Quantize(float[] x, int rows, int k, ActivationQuantization quantization)
    {
        var q = new sbyte[rows * k];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var scale = quantization.StaticScale ?? 0;
            if (quantization.Mode == ActivationMode.DynamicPerToken)
            {
                var max = 0f;
                for (var i = 0; i < k; i++)
                    max = MathF.Max(max, MathF.Abs(x[r * k + i]));
                scale = max / 127f == 0 ? 1 : max / 127f;
            }
            scales[r] = scale;
            for (var i = 0; i < k; i++)
            {
                var v = x[r * k + i] / scale;
                if (float.IsNaN(v))
                    scales[r] = float.NaN;
                else
                    q[r * k + i] = (sbyte)Math.Clamp(MathF.Round(v, MidpointRounding.ToEven), -127, 127);
            }
        }
        return (q, scales);
    }

    /// <summary><c>acc[r, c] = Σ_k q[r, k]·w[c, k]</c> in int64.</summary>
    public static long[] Accumulate(sbyte[] q, int rows, sbyte[] w, int n, int k)
    {
        var acc = new long[rows * n];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < n; c++)
            {
                long sum = 0;
                for (var i = 0; i < k; i++)
                    sum += (long)q[r * k + i] * w[c * k + i];
                acc[r * n + c] = sum;
            }
        return acc;
    }

    /// <summary>The layer in double, with the bound on the fp32 epilogue's error for each element.</summary>
    public static (double[] Y, double[] Tolerance) Linear(long[] acc, float[] rowScales, int rows, float[] weightScales,
        float[] bias, Activation activation, float[]? residual)
    {
        // u = 2^-24. The epilogue rounds acc to fp32, scale_x·scale_w, and the fused multiply-add: ≤ 2.01u·|P| + 1.01u·|v|
        // with P = acc·scale_x·scale_w and v = P + b. GELU's slope is at most 1.13 and its fp32 formula is within
        // 2e-6·max(1, |v|) (GeluTests); the residual add rounds once more (u·|y|).
        const double u = 1.0 / (1 << 24);
        var n = weightScales.Length;
        var y = new double[rows * n];
        var tolerance = new double[rows * n];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < n; c++)
            {
                var i = r * n + c;
                var product = acc[i] * (double)rowScales[r] * weightScales[c];
                var v = product + bias[c];
                var bound = 2.01 * u * Math.Abs(product) + 1.01 * u * Math.Abs(v);
                var value = v;
                if (activation == Activation.Gelu)
                {
                    value = Gelu(v);
                    bound = 1.13 * bound + 2e-6 * Math.Max(1, Math.Abs(v));
                }
                if (residual is not null)
                {
                    value += residual[i];
                    bound += u * Math.Abs(value);
                }
                y[i] = value;
                tolerance[i] = bound;
            }
        return (y, tolerance);
    }

    /// <summary>
    /// GELU by the erf series, which loses all precision past |x| ≈ 6 (as in GeluTests); there GELU is x or 0 to within
    /// 6·Φ(−6) ≈ 6e-9, far under the tolerance.
    /// </summary>
    private static double Gelu(double x) => x > 6 ? x : x < -6 ? 0 : Reference.Gelu(x);

    public static sbyte[] RandomWeights(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
}
