namespace Bert.Gpu.Tests.Support;

/// <summary>Naive double-precision reference implementations, written for clarity, not speed.</summary>
internal static class Reference
{
    /// <summary>erf by its Maclaurin series in double: an independent method from the rational fit under test. Good to ~1e-13 for |x| &lt; 2.5 (its largest term is about e^(x²) ≤ 520 there); beyond, see <see cref="Gelu"/>.</summary>
    public static double Erf(double x)
    {
        double sum = 0, term = x;
        for (var n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>
    /// <c>0.5·x·(1 + erf(x/√2))</c> in double, to ~1e-13 for every x: <see cref="Erf"/>'s series for |z| = |x/√2| &lt; 2.5,
    /// else <c>1 + erf = erfc(−z)</c> or <c>2 − erfc(z)</c> from erfc's continued fraction (Abramowitz &amp; Stegun 7.1.14).
    /// The series alone goes wrong past |x| ≈ 5 — 3e-6 off at x = 7.7, diverging by x = 10 — and int8 pre-activations reach ±8.
    /// </summary>
    public static double Gelu(double x)
    {
        var z = x / Math.Sqrt(2);
        var onePlusErf = Math.Abs(z) < 2.5 ? 1 + Erf(z) : z > 0 ? 2 - Erfc(z) : Erfc(-z);
        return 0.5 * x * onePlusErf;
    }

    /// <summary>erfc(z) for z ≥ 2.5: <c>e^(−z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …))))</c>, 120 levels deep (~1e-16 there).</summary>
    private static double Erfc(double z)
    {
        var fraction = z;
        for (var n = 120; n > 0; n--)
            fraction = z + n / 2.0 / fraction;
        return Math.Exp(-z * z) / (Math.Sqrt(Math.PI) * fraction);
    }

    /// <summary>
    /// <paramref name="activation"/> in double from its definition: erf GELU by the series, the tanh form with
    /// <see cref="Math.Tanh"/>, ReLU.
    /// </summary>
    public static double Activate(Bert.Gpu.Backends.Activation activation, double x) => activation switch
    {
        Bert.Gpu.Backends.Activation.Gelu => Gelu(x),
        Bert.Gpu.Backends.Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Bert.Gpu.Backends.Activation.Relu => Math.Max(0, x),
        Bert.Gpu.Backends.Activation.Tanh => Math.Tanh(x),
        _ => x,
    };

    /// <summary>y[r, n] = GELU?(Σ x[r,k]·w[n,k] + b[n]) + residual[r, n].</summary>
    public static float[] Linear(float[] x, int rows, float[] w, float[] b, int n, bool gelu, float[]? residual) =>
        Linear(x, rows, w, b, n, gelu ? Bert.Gpu.Backends.Activation.Gelu : Bert.Gpu.Backends.Activation.None, residual);

    /// <summary>y[r, n] = act(Σ x[r,k]·w[n,k] + b[n]) + residual[r, n].</summary>
    public static float[] Linear(float[] x, int rows, float[] w, float[] b, int n, Bert.Gpu.Backends.Activation activation, float[]? residual)
    {
        var k = w.Length / n;
        var y = new float[rows * n];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < n; j++)
            {
                double acc = b[j];
                for (var p = 0; p < k; p++)
                    acc += (double)x[r * k + p] * w[j * k + p];
                acc = Activate(activation, acc);
                y[r * n + j] = (float)(acc + (residual?[r * n + j] ?? 0));
            }
        return y;
    }

    public static float[] LayerNorm(float[] x, int width, float[] gamma, float[] beta, double eps)
    {
        var y = new float[x.Length];
        for (var r = 0; r < x.Length / width; r++)
        {
            double mean = 0, variance = 0;
            for (var i = 0; i < width; i++)
                mean += x[r * width + i];
            mean /= width;
            for (var i = 0; i < width; i++)
                variance += Math.Pow(x[r * width + i] - mean, 2);
            variance /= width;
            for (var i = 0; i < width; i++)
                y[r * width + i] = (float)((x[r * width + i] - mean) / Math.Sqrt(variance + eps) * gamma[i] + beta[i]);
        }
        return y;
    }

    /// <summary>Softmax attention per sequence and head, straight from the definition.</summary>
    public static float[] Attention(float[] qkv, int[] seqStarts, int heads, int headDim)
    {
        var hidden = heads * headDim;
        var context = new float[(qkv.Length / (3 * hidden)) * hidden];
        for (var s = 0; s + 1 < seqStarts.Length; s++)
            for (var h = 0; h < heads; h++)
                for (var i = seqStarts[s]; i < seqStarts[s + 1]; i++)
                {
                    var scores = new double[seqStarts[s + 1] - seqStarts[s]];
                    for (var j = 0; j < scores.Length; j++)
                    {
                        double dot = 0;
                        for (var c = 0; c < headDim; c++)
                            dot += (double)qkv[i * 3 * hidden + h * headDim + c] * qkv[(seqStarts[s] + j) * 3 * hidden + hidden + h * headDim + c];
                        scores[j] = dot / Math.Sqrt(headDim);
                    }
                    var max = scores.Max();
                    var sum = scores.Sum(v => Math.Exp(v - max));
                    for (var c = 0; c < headDim; c++)
                    {
                        double acc = 0;
                        for (var j = 0; j < scores.Length; j++)
                            acc += Math.Exp(scores[j] - max) / sum * qkv[(seqStarts[s] + j) * 3 * hidden + 2 * hidden + h * headDim + c];
                        context[i * hidden + h * headDim + c] = (float)acc;
                    }
                }
        return context;
    }

    public static float[] RandomVector(Random random, int length, float scale = 1f)
    {
        var v = new float[length];
        for (var i = 0; i < length; i++)
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return v;
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Pooling of one sequence's rows in double: first row, mean or maximum.</summary>
    public static float[] Pool(ReadOnlySpan<float> rows, int width, Bert.Gpu.Model.PoolingMode mode)
    {
        var count = rows.Length / width;
        var result = new float[width];
        for (var c = 0; c < width; c++)
        {
            double acc = mode == Bert.Gpu.Model.PoolingMode.Max ? double.NegativeInfinity : 0;
            for (var r = 0; r < (mode == Bert.Gpu.Model.PoolingMode.Cls ? 1 : count); r++)
                acc = mode == Bert.Gpu.Model.PoolingMode.Max ? Math.Max(acc, rows[r * width + c]) : acc + rows[r * width + c];
            result[c] = (float)(mode == Bert.Gpu.Model.PoolingMode.Mean ? acc / count : acc);
        }
        return result;
    }
}
