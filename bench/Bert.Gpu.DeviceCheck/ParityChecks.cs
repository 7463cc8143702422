using System.Diagnostics;
using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Runs each operation on seeded random inputs on the device and on the host backend and records the largest
/// absolute difference against a tolerance. A check that throws is recorded as failed and the run goes on, so one
/// broken kernel does not hide the state of the others.
/// </summary>
internal sealed class ParityChecks(IComputeBackend device, IComputeBackend host, RunLog log)
{
    private readonly Dictionary<(BertModel Model, string Batch, int Seed), EncoderOutput> _hostEncoders = [];

    public List<CheckResult> Results { get; } = [];

    /// <summary>
    /// One linear layer. With <see cref="Precision.Fp16"/> the device runs it from an <see cref="Fp16Linear"/> and the
    /// input and weight are rounded to fp16 first, for both backends: the products are then exact in fp32 on both, so
    /// what is left is the summation order and the check holds the tensor-core GEMM to the fp32 tolerance (the
    /// encoder checks cover the rounding itself).
    /// </summary>
    public void Linear(LinearShape s, double tolerance, Precision precision = Precision.Fp32, int seed = 1)
    {
        var random = new Random(seed);
        var x = Rounded(RandomModels.Vector(random, s.Rows * s.In), precision);
        var layer = new Fp32Linear(new FloatTensor(Rounded(RandomModels.Vector(random, s.Out * s.In, 1 / MathF.Sqrt(s.In)), precision), s.Out, s.In),
            new FloatTensor(RandomModels.Vector(random, s.Out), s.Out));
        var r = s.Residual ? RandomModels.Vector(random, s.Rows * s.Out) : null;
        Compare(Group("linear", precision), $"{s.Label} {s.Describe()}", tolerance, s.Rows * s.Out, backend =>
        {
            using var weights = backend.UploadLinear(OnDevice(backend, precision) ? Fp16Linear.From(layer) : layer);
            using var input = backend.Upload(x);
            using var add = r is null ? null : backend.Upload(r);
            var y = backend.Allocate(s.Rows * s.Out);
            backend.Linear(input, s.Rows, weights, s.Activation, add, y);
            return y;
        });
    }

    /// <summary>Attention; with <see cref="Precision.Fp16"/> on fp16-exact Q, K, V, so only the kernel's own roundings differ.</summary>
    public void Attention(AttentionShape s, double tolerance, Precision precision = Precision.Fp32, int seed = 2)
    {
        var batch = new PackedBatch(s.Lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = s.Heads * s.HeadDim;
        // Scale 2 makes the scores spread enough for the softmax's max subtraction and rescaling to matter.
        var qkv = Rounded(RandomModels.Vector(new Random(seed), batch.TotalTokens * 3 * hidden, 2f), precision);
        Compare(Group("attention", precision), $"{s.Label} {s.Describe()}", tolerance, batch.TotalTokens * hidden, backend =>
        {
            using var deviceBatch = batch.Upload(backend);
            using var input = backend.Upload(qkv);
            var context = backend.Allocate(batch.TotalTokens * hidden);
            backend.Attention(deviceBatch, input, s.Heads, s.HeadDim, context, OnDevice(backend, precision) ? precision : Precision.Fp32);
            return context;
        });
    }

    public void LayerNorm(int rows, int width, double tolerance, int seed = 3)
    {
        var random = new Random(seed);
        // An offset of 5 makes a naive one-pass variance lose digits: the kernels must centre first.
        var x = RandomModels.Vector(random, rows * width, 3f).Select(v => v + 5f).ToArray();
        var gamma = RandomModels.Vector(random, width);
        var beta = RandomModels.Vector(random, width);
        Compare("layernorm", $"{rows}x{width}", tolerance, rows * width, backend =>
        {
            using var g = backend.Upload(gamma);
            using var b = backend.Upload(beta);
            var y = backend.Upload(x);
            backend.LayerNorm(y, rows, width, g, b, 1e-12f);
            return y;
        });
    }

    /// <summary>The embedding gather + LayerNorm with <paramref name="model"/>'s tables over sequences of <paramref name="lengths"/>.</summary>
    public void EmbedLayerNorm(BertModel model, int[] lengths, double tolerance, int seed = 4)
    {
        var c = model.Config;
        var batch = new PackedBatch(RandomModels.Sequences(new Random(seed), lengths, c.VocabSize));
        Compare("embed+layernorm", $"{model.Name} {batch.TotalTokens} tokens x {c.HiddenSize}", tolerance, batch.TotalTokens * c.HiddenSize, backend =>
        {
            IDeviceBuffer Table(string name) => backend.Upload(model[name].Data);
            using var word = Table(BertTensorNames.WordEmbeddings);
            using var position = Table(BertTensorNames.PositionEmbeddings);
            using var type = Table(BertTensorNames.TokenTypeEmbeddings);
            using var gamma = Table(BertTensorNames.EmbeddingsLayerNormWeight);
            using var beta = Table(BertTensorNames.EmbeddingsLayerNormBias);
            using var deviceBatch = batch.Upload(backend);
            var output = backend.Allocate(batch.TotalTokens * c.HiddenSize);
            backend.EmbedLayerNorm(deviceBatch, word, position, type, gamma, beta, c.HiddenSize, c.LayerNormEps, output);
            return output;
        });
    }

    public void Pool(int[] lengths, int width, PoolingMode mode, double tolerance, int seed = 5)
    {
        var batch = new PackedBatch(lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = RandomModels.Vector(new Random(seed), batch.TotalTokens * width);
        Compare("pool", $"{mode.ToString().ToLowerInvariant()} [{string.Join(",", lengths)}] x {width}", tolerance, lengths.Length * width, backend =>
        {
            using var deviceBatch = batch.Upload(backend);
            using var input = backend.Upload(hidden);
            var pooled = backend.Allocate(lengths.Length * width);
            backend.Pool(deviceBatch, input, width, mode, pooled);
            return pooled;
        });
    }

    /// <summary>L2 normalisation of random rows, one of them all zeros (which must stay zero, not become NaN).</summary>
    public void L2Normalize(int rows, int width, double tolerance, int seed = 6)
    {
        var x = RandomModels.Vector(new Random(seed), rows * width, 4f);
        Array.Clear(x, width, width);
        Compare("l2", $"{rows}x{width} (row 1 zero)", tolerance, rows * width, backend =>
        {
            var y = backend.Upload(x);
            backend.L2Normalize(y, rows, width);
            return y;
        });
    }

    /// <summary>
    /// The whole encoder, its linear layers in <paramref name="precision"/> on the device and fp32 on the host: its last
    /// hidden state, and that state mean-pooled and L2-normalised (the embeddings users get), from one forward pass per
    /// backend; the worst per-token and per-embedding cosine besides the max |Δ|. The host's pass is kept for the next
    /// check of the same model and batch (fp32, then fp16).
    /// </summary>
    public void Encoder(BertModel model, int[] lengths, double tolerance, Precision precision = Precision.Fp32, int seed = 7)
    {
        var batch = new PackedBatch(RandomModels.Sequences(new Random(seed), lengths, model.Config.VocabSize));
        var hidden = model.Config.HiddenSize;
        var label = $"{model.Name} {model.Config.NumLayers}x{hidden} [{string.Join(",", lengths)}]";
        var group = Group("encoder", precision);
        var key = (model, string.Join(",", lengths), seed);
        EncoderOutput? onDevice = null;
        EncoderOutput Run(IComputeBackend backend)
        {
            if (!ReferenceEquals(backend, device) && _hostEncoders.TryGetValue(key, out var kept))
                return kept;
            using var encoder = new BertEncoder(model, backend, ReferenceEquals(backend, device) ? precision : Precision.Fp32);
            using var deviceBatch = batch.Upload(backend);
            var state = encoder.Forward(deviceBatch);
            var output = new EncoderOutput(new float[batch.TotalTokens * hidden], new float[batch.Sequences * hidden]);
            backend.Download(state, output.State);
            using var pooled = backend.Allocate(batch.Sequences * hidden);
            backend.Pool(deviceBatch, state, hidden, PoolingMode.Mean, pooled);
            backend.L2Normalize(pooled, batch.Sequences, hidden);
            backend.Download(pooled, output.Embeddings);
            if (ReferenceEquals(backend, device))
                onDevice = output;
            else
                _hostEncoders[key] = output;
            return output;
        }
        Compare(group, $"{label} last hidden state", tolerance, batch.TotalTokens * hidden, backend => Run(backend).State,
            new RowCosine(hidden, Tolerances.EncoderCosine));
        Compare(group, $"{label} mean + L2 embeddings", tolerance, batch.Sequences * hidden,
            backend => (ReferenceEquals(backend, device) ? onDevice : _hostEncoders.GetValueOrDefault(key))?.Embeddings
                ?? throw new InvalidOperationException("the encoder run above failed"),
            new RowCosine(hidden, Tolerances.EncoderCosine));
    }

    private void Compare(string group, string name, double tolerance, int length, Func<IComputeBackend, IDeviceBuffer> run) =>
        Compare(group, name, tolerance, length, backend =>
        {
            using var buffer = run(backend);
            var values = new float[length];
            backend.Download(buffer, values);
            return values;
        });

    private void Compare(string group, string name, double tolerance, int length, Func<IComputeBackend, float[]> run, RowCosine? cosine = null)
    {
        var watch = Stopwatch.StartNew();
        CheckResult result;
        try
        {
            var actual = run(device);
            var deviceSeconds = watch.Elapsed.TotalSeconds;
            var expected = run(host);
            var (difference, largest) = Differences(actual, expected, length);
            var worst = cosine is null ? (double?)null : WorstCosine(actual, expected, length, cosine.Width);
            // NaN compares false: a NaN anywhere in the device output fails the check.
            var passed = difference <= tolerance && (cosine is null || worst >= cosine.Min);
            result = new CheckResult(group, name, difference, largest, tolerance, passed, deviceSeconds, null, worst, cosine?.Min);
        }
        catch (Exception e)
        {
            result = new CheckResult(group, name, double.NaN, double.NaN, tolerance, false, watch.Elapsed.TotalSeconds, $"{e.GetType().Name}: {e.Message}",
                cosine is null ? null : double.NaN, cosine?.Min);
        }
        Results.Add(result);
        log.Line(result.Describe());
    }

    private static (double MaxAbsDiff, double MaxAbsExpected) Differences(float[] actual, float[] expected, int length)
    {
        double difference = 0, largest = 0;
        for (var i = 0; i < length; i++)
        {
            var d = Math.Abs((double)actual[i] - expected[i]);
            difference = double.IsNaN(d) || d > difference ? d : difference;
            if (double.IsNaN(difference))
                break;
            largest = Math.Max(largest, Math.Abs(expected[i]));
        }
        return (difference, largest);
    }

    /// <summary>The smallest cosine between a row of <paramref name="actual"/> and the same row of <paramref name="expected"/> (NaN if any is).</summary>
    private static double WorstCosine(float[] actual, float[] expected, int length, int width)
    {
        var worst = 1.0;
        for (var row = 0; row + width <= length; row += width)
        {
            double dot = 0, a2 = 0, e2 = 0;
            for (var i = row; i < row + width; i++)
            {
                dot += (double)actual[i] * expected[i];
                a2 += (double)actual[i] * actual[i];
                e2 += (double)expected[i] * expected[i];
            }
            var c = dot / Math.Sqrt(a2 * e2);
            worst = double.IsNaN(c) || c < worst ? c : worst;
            if (double.IsNaN(worst))
                break;
        }
        return worst;
    }

    private bool OnDevice(IComputeBackend backend, Precision precision) => precision == Precision.Fp16 && ReferenceEquals(backend, device);

    private static string Group(string kind, Precision precision) => precision == Precision.Fp16 ? kind + "-fp16" : kind;

    /// <summary>fp16 checks give both backends the same fp16-exact values (each rounded to the nearest fp16); fp32 ones leave them.</summary>
    private static float[] Rounded(float[] values, Precision precision) =>
        precision == Precision.Fp16 ? values.Select(v => HalfBits.ToFloat(HalfBits.FromFloat(v))).ToArray() : values;

    /// <summary>One encoder pass's outputs, downloaded.</summary>
    private sealed record EncoderOutput(float[] State, float[] Embeddings);

    /// <summary>Rows of <paramref name="Width"/> values must have cosine ≥ <paramref name="Min"/> with the host's.</summary>
    private sealed record RowCosine(int Width, double Min);
}
