using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Runs one backend operation on seeded random inputs on two backends and returns the largest absolute difference of
/// the outputs. The same checks run on ILGPU's CPU emulator at tiny shapes and on OpenCL at BERT's real shapes.
/// </summary>
internal static class BackendParity
{
    public static float Linear(IComputeBackend device, IComputeBackend reference, int rows, int outFeatures, int inFeatures,
        Activation activation, bool residual, int seed = 1)
    {
        var random = new Random(seed);
        var x = Reference.RandomVector(random, rows * inFeatures);
        var w = new FloatTensor(Reference.RandomVector(random, outFeatures * inFeatures, 1 / MathF.Sqrt(inFeatures)), outFeatures, inFeatures);
        var b = new FloatTensor(Reference.RandomVector(random, outFeatures), outFeatures);
        var r = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        return Compare(device, reference, rows * outFeatures, backend =>
        {
            using var weights = backend.UploadLinear(w, b);
            using var input = backend.Upload(x);
            using var add = r is null ? null : backend.Upload(r);
            var y = backend.Allocate(rows * outFeatures);
            backend.Linear(input, rows, weights, activation, add, y);
            return y;
        });
    }

    /// <summary>
    /// As <see cref="Linear"/> with the weights in int8 (per-channel, <see cref="Int8Matrix.Quantize"/>) and
    /// the input quantized per token, or per tensor at <paramref name="staticScale"/>: both backends see the same input,
    /// so the same codes, and differ only by the fp32 rounding of the epilogue.
    /// </summary>
    public static float Int8Linear(IComputeBackend device, IComputeBackend reference, int rows, int outFeatures, int inFeatures,
        Activation activation, bool residual, float? staticScale, int seed = 1)
    {
        var random = new Random(seed);
        var x = Reference.RandomVector(random, rows * inFeatures);
        var w = Int8Matrix.Quantize(Reference.RandomVector(random, outFeatures * inFeatures, 1 / MathF.Sqrt(inFeatures)),
            outFeatures, inFeatures, "w");
        var b = new FloatTensor(Reference.RandomVector(random, outFeatures), outFeatures);
        var r = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        var layer = new Backends.Int8Linear(w, b, staticScale is { } s
            ? ActivationQuantization.Static(s)
            : ActivationQuantization.DynamicPerToken);
        return Compare(device, reference, rows * outFeatures, backend =>
        {
            using var weights = backend.UploadLinear(layer);
            using var input = backend.Upload(x);
            using var add = r is null ? null : backend.Upload(r);
            var y = backend.Allocate(rows * outFeatures);
            backend.Linear(input, rows, weights, activation, add, y);
            return y;
        });
    }

    public static float Attention(IComputeBackend device, IComputeBackend reference, int[] lengths, int heads, int headDim, int seed = 2)
    {
        var batch = new PackedBatch(lengths.Select(n => new Bert.Gpu.Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var qkv = Reference.RandomVector(new Random(seed), batch.TotalTokens * 3 * heads * headDim, 2f);
        return Compare(device, reference, batch.TotalTokens * heads * headDim, backend =>
        {
            using var deviceBatch = batch.Upload(backend);
            using var input = backend.Upload(qkv);
            var context = backend.Allocate(batch.TotalTokens * heads * headDim);
            backend.Attention(deviceBatch, input, heads, headDim, context);
            return context;
        });
    }

    public static float LayerNorm(IComputeBackend device, IComputeBackend reference, int rows, int width, int seed = 3)
    {
        var random = new Random(seed);
        var x = Reference.RandomVector(random, rows * width, 3f).Select(v => v + 5f).ToArray();
        var gamma = Reference.RandomVector(random, width);
        var beta = Reference.RandomVector(random, width);
        return Compare(device, reference, rows * width, backend =>
        {
            using var g = backend.Upload(gamma);
            using var b = backend.Upload(beta);
            var y = backend.Upload(x);
            backend.LayerNorm(y, rows, width, g, b, 1e-12f);
            return y;
        });
    }

    public static float Pool(IComputeBackend device, IComputeBackend reference, int[] lengths, int width, PoolingMode mode,
        bool normalize, int seed = 4)
    {
        var batch = new PackedBatch(lengths.Select(n => new Bert.Gpu.Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = Reference.RandomVector(new Random(seed), batch.TotalTokens * width);
        return Compare(device, reference, lengths.Length * width, backend =>
        {
            using var deviceBatch = batch.Upload(backend);
            using var input = backend.Upload(hidden);
            var pooled = backend.Allocate(lengths.Length * width);
            backend.Pool(deviceBatch, input, width, mode, pooled);
            if (normalize)
                backend.L2Normalize(pooled, lengths.Length, width);
            return pooled;
        });
    }

    /// <summary>The last hidden state of <paramref name="model"/> over sequences of <paramref name="lengths"/> tokens.</summary>
    public static float Encoder(IComputeBackend device, IComputeBackend reference, BertModel model, int[] lengths, int seed = 5) =>
        Encoder(device, model, reference, model, lengths, seed);

    /// <summary>The last hidden states of two models (on two backends) over the same sequences: max |Δ|.</summary>
    public static float Encoder(IComputeBackend a, BertModel modelA, IComputeBackend b, BertModel modelB, int[] lengths, int seed = 5)
    {
        var batch = new PackedBatch(TinyBert.Sequences(new Random(seed), lengths, modelA.Config.VocabSize));
        var outputs = new[] { (a, modelA), (b, modelB) }.Select(run =>
        {
            var output = new float[batch.TotalTokens * run.Item2.Config.HiddenSize];
            using var encoder = new BertEncoder(run.Item2, run.Item1);
            encoder.LastHiddenState(batch, output);
            return output;
        }).ToArray();
        return Reference.MaxAbsDiff(outputs[0], outputs[1]);
    }

    private static float Compare(IComputeBackend device, IComputeBackend reference, int length, Func<IComputeBackend, IDeviceBuffer> run)
    {
        var outputs = new[] { device, reference }.Select(backend =>
        {
            using var buffer = run(backend);
            var values = new float[length];
            backend.Download(buffer, values);
            return values;
        }).ToArray();
        return Reference.MaxAbsDiff(outputs[0], outputs[1]);
    }
}
