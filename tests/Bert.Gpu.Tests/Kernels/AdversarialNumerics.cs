using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>What an adversarial check found: the worst error beside what is allowed, and whether every output was finite.</summary>
internal sealed record NumericsVerdict(string What, double Worst, double Allowed, bool Finite)
{
    public bool Holds => Finite && Worst <= Allowed;

    public override string ToString() => $"{What}: worst {Worst:g3}, allowed {Allowed:g3}{(Finite ? "" : ", NON-FINITE OUTPUT")}";

    public static NumericsVerdict MaxAbs(string what, float[] expected, float[] actual, double allowed)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (var i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        return new(what, worst, allowed, actual.All(float.IsFinite));
    }
}

/// <summary>
/// Inputs chosen to break fp32 shortcuts, each held to a naive double-precision reference (<see cref="Reference"/>) on
/// one backend. Shared like <see cref="BackendParity"/>: the host backend, ILGPU's CPU emulator and the OpenCL / CUDA
/// device tests run the same checks.
/// </summary>
internal static class AdversarialNumerics
{
    /// <summary>
    /// Attention whose scaled logits reach ±288: fp32 exp overflows above ~88.7 and underflows to 0 below ~−103, so the
    /// (online) softmax must subtract the running maximum. Sequence 1 has only logits in [−288, −128] (without the
    /// maximum subtracted every weight is 0 and the output 0/0); in sequence 2 head 0's logits climb from ~40 to ~200
    /// along the keys, so every key tile raises the running maximum and rescales what came before by up to e^−40;
    /// head 1's lie in [128, 288]. q and k are multiples of 1/4 with |q·k| ≤ 2304 and the scale is 1/8 (head dim 64), so
    /// every logit is exact in fp32 on every backend: what is left is exp and the weighted sum, ~1e-6.
    /// </summary>
    public static NumericsVerdict AttentionLogitsBeyondExpRange(IComputeBackend backend, double allowed)
    {
        const int heads = 2, headDim = 64, hidden = heads * headDim;
        int[] lengths = [1, 40, 77];
        var batch = new PackedBatch(lengths.Select(n => new TokenizedText(new int[n], new int[n])).ToList());
        var random = new Random(88);
        var qkv = new float[batch.TotalTokens * 3 * hidden];
        float Quarter(int center) => (center + random.Next(-4, 5)) / 4f; // center/4 ± 1
        for (var s = 0; s < lengths.Length; s++)
            for (var j = 0; j < lengths[s]; j++)
            {
                var row = (batch.SeqStarts[s] + j) * 3 * hidden;
                for (var h = 0; h < heads; h++)
                    for (var c = 0; c < headDim; c++)
                    {
                        var at = row + h * headDim + c;
                        qkv[at] = Quarter(20); // q in [4, 6]
                        qkv[at + hidden] = s switch
                        {
                            1 => -Quarter(20), // k in [−6, −4]: logits in [−288, −128]
                            2 when h == 0 => Quarter(4 + 16 * j / (lengths[s] - 1)), // k from ~1 to ~5: logits climb
                            _ => Quarter(20), // k in [4, 6]: logits in [128, 288]
                        };
                        qkv[at + 2 * hidden] = (float)(random.NextDouble() * 2 - 1);
                    }
            }
        var expected = Reference.Attention(qkv, batch.SeqStarts, heads, headDim);
        var actual = Run(backend, batch.TotalTokens * hidden, b =>
        {
            using var deviceBatch = batch.Upload(b);
            using var input = b.Upload(qkv);
            var context = b.Allocate(batch.TotalTokens * hidden);
            b.Attention(deviceBatch, input, heads, headDim, context);
            return context;
        });
        return NumericsVerdict.MaxAbs("attention, logits in [−288, 288], head dim 64, lengths [1,40,77], max |Δ|", expected, actual, allowed);
    }

    /// <summary>
    /// Rows whose every value is the same (variance 0), with BERT's ε = 1e-12: the output must be β, finite. A mean that
    /// is off by one rounding (the fp32 sum of 384 copies of 0.1 is not 384 × 0.1) leaves deviations of ~1e-8 that
    /// 1/√(variance + ε) ≈ 1e6 would blow up to ~1e-2.
    /// </summary>
    public static NumericsVerdict ConstantLayerNormRows(IComputeBackend backend, int width, double allowed)
    {
        float[] values = [0.1f, -3.7f, 1234.567f, 1e-3f, 7f, 0f, -65504.2f, 3.3e4f, 2.9e-5f, -0.7f];
        var rows = values.Length;
        var x = new float[rows * width];
        for (var r = 0; r < rows; r++)
            Array.Fill(x, values[r], r * width, width);
        var random = new Random(width);
        var gamma = Reference.RandomVector(random, width, 2f);
        var beta = Reference.RandomVector(random, width);
        var expected = Reference.LayerNorm(x, width, gamma, beta, 1e-12);
        var actual = Run(backend, x.Length, b =>
        {
            using var g = b.Upload(gamma);
            using var bt = b.Upload(beta);
            var y = b.Upload(x);
            b.LayerNorm(y, rows, width, g, bt, 1e-12f);
            return y;
        });
        return NumericsVerdict.MaxAbs($"layernorm of {rows} constant rows × {width} (output must be β), max |Δ|", expected, actual, allowed);
    }

    /// <summary>
    /// <c>x·Wᵀ + b + residual</c> with |x|, |w|, |b| log-uniform in [1e4, 1e6] and random signs (|products| up to 1e12,
    /// sums that cancel), against the double-precision reference. Allowed per element: the classic bound on a
    /// recursively summed fp32 dot product, γ ≈ n·u with u = 2⁻²⁴, times Σ|x·w| + |b| + |r|; n = K + 5 covers the K
    /// products and additions, the bias and residual additions, and the reference's own rounding to fp32. Reports the
    /// worst |Δ| / bound, which must stay ≤ 1 however the backend splits and orders K.
    /// </summary>
    public static NumericsVerdict LargeMagnitudeLinear(IComputeBackend backend, int rows, int outFeatures, int inFeatures)
    {
        var random = new Random(rows * 7 + outFeatures * 3 + inFeatures);
        float Big() => (float)((random.Next(2) == 0 ? -1 : 1) * Math.Pow(10, 4 + 2 * random.NextDouble()));
        var x = Enumerable.Range(0, rows * inFeatures).Select(_ => Big()).ToArray();
        var w = Enumerable.Range(0, outFeatures * inFeatures).Select(_ => Big()).ToArray();
        var bias = Enumerable.Range(0, outFeatures).Select(_ => Big()).ToArray();
        var residual = Enumerable.Range(0, rows * outFeatures).Select(_ => Big()).ToArray();
        var expected = Reference.Linear(x, rows, w, bias, outFeatures, gelu: false, residual);
        var actual = Run(backend, rows * outFeatures, b =>
        {
            using var weights = b.UploadLinear(new FloatTensor(w, outFeatures, inFeatures), new FloatTensor(bias, outFeatures));
            using var input = b.Upload(x);
            using var add = b.Upload(residual);
            var y = b.Allocate(rows * outFeatures);
            b.Linear(input, rows, weights, Activation.None, add, y);
            return y;
        });
        var gamma = (inFeatures + 5) * Math.Pow(2, -24);
        double worst = 0;
        for (var r = 0; r < rows; r++)
            for (var n = 0; n < outFeatures; n++)
            {
                double magnitude = Math.Abs(bias[n]) + Math.Abs(residual[r * outFeatures + n]);
                for (var k = 0; k < inFeatures; k++)
                    magnitude += Math.Abs((double)x[r * inFeatures + k] * w[n * inFeatures + k]);
                var i = r * outFeatures + n;
                worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]) / (gamma * magnitude));
            }
        return new($"linear {rows}×{outFeatures}×{inFeatures}, |values| in [1e4, 1e6], worst |Δ| / ((K+5)·2⁻²⁴·Σ|terms|)",
            worst, 1, actual.All(float.IsFinite));
    }

    /// <summary>
    /// Max pooling over rows that are all negative (one sequence near −1e30): a maximum that starts from 0 instead of
    /// −∞ (or the first row) would return 0. The maximum is exact, so the output must equal the reference bit for bit.
    /// </summary>
    public static NumericsVerdict MaxPoolOfNegativeColumns(IComputeBackend backend, int width)
    {
        int[] lengths = [3, 1, 5, 2];
        var batch = new PackedBatch(lengths.Select(n => new TokenizedText(new int[n], new int[n])).ToList());
        var random = new Random(width);
        var hidden = new float[batch.TotalTokens * width];
        for (var t = 0; t < batch.TotalTokens; t++)
            for (var c = 0; c < width; c++)
                hidden[t * width + c] = -(float)((1 + 4 * random.NextDouble()) * (t >= batch.SeqStarts[2] && t < batch.SeqStarts[3] ? 1e30 : 1));
        var expected = new float[lengths.Length * width];
        for (var s = 0; s < lengths.Length; s++)
            Reference.Pool(hidden.AsSpan(batch.SeqStarts[s] * width, lengths[s] * width), width, PoolingMode.Max).CopyTo(expected, s * width);
        var actual = Run(backend, expected.Length, b =>
        {
            using var deviceBatch = batch.Upload(b);
            using var input = b.Upload(hidden);
            var pooled = b.Allocate(expected.Length);
            b.Pool(deviceBatch, input, width, PoolingMode.Max, pooled);
            return pooled;
        });
        return NumericsVerdict.MaxAbs($"max pooling of all-negative columns, width {width}, max |Δ|", expected, actual, 0);
    }

    private static float[] Run(IComputeBackend backend, int length, Func<IComputeBackend, IDeviceBuffer> op)
    {
        using var buffer = op(backend);
        var values = new float[length];
        backend.Download(buffer, values);
        return values;
    }
}
