using System.Diagnostics;
using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Runs each operation on seeded random inputs on the device and on the host backend and records the largest
/// absolute difference against a tolerance. A check that throws is recorded as failed and the run goes on, so one
/// broken kernel does not hide the state of the others.
/// </summary>
internal sealed class ParityChecks(IComputeBackend device, IComputeBackend host, RunLog log)
{
    public List<CheckResult> Results { get; } = [];

    public void Linear(LinearShape s, double tolerance, int seed = 1)
    {
        var random = new Random(seed);
        var x = RandomModels.Vector(random, s.Rows * s.In);
        var w = new FloatTensor(RandomModels.Vector(random, s.Out * s.In, 1 / MathF.Sqrt(s.In)), s.Out, s.In);
        var b = new FloatTensor(RandomModels.Vector(random, s.Out), s.Out);
        var r = s.Residual ? RandomModels.Vector(random, s.Rows * s.Out) : null;
        Compare("linear", $"{s.Label} {s.Describe()}", tolerance, s.Rows * s.Out, backend =>
        {
            using var weights = backend.UploadLinear(w, b);
            using var input = backend.Upload(x);
            using var add = r is null ? null : backend.Upload(r);
            var y = backend.Allocate(s.Rows * s.Out);
            backend.Linear(input, s.Rows, weights, s.Activation, add, y);
            return y;
        });
    }

    public void Attention(AttentionShape s, double tolerance, int seed = 2)
    {
        var batch = new PackedBatch(s.Lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = s.Heads * s.HeadDim;
        // Scale 2 makes the scores spread enough for the softmax's max subtraction and rescaling to matter.
        var qkv = RandomModels.Vector(new Random(seed), batch.TotalTokens * 3 * hidden, 2f);
        Compare("attention", $"{s.Label} {s.Describe()}", tolerance, batch.TotalTokens * hidden, backend =>
        {
            using var deviceBatch = batch.Upload(backend);
            using var input = backend.Upload(qkv);
            var context = backend.Allocate(batch.TotalTokens * hidden);
            backend.Attention(deviceBatch, input, s.Heads, s.HeadDim, context);
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
    /// The whole encoder: its last hidden state, and that state mean-pooled and L2-normalised (the embeddings users get),
    /// from one forward pass per backend.
    /// </summary>
    public void Encoder(BertModel model, int[] lengths, double tolerance, int seed = 7)
    {
        var batch = new PackedBatch(RandomModels.Sequences(new Random(seed), lengths, model.Config.VocabSize));
        var hidden = model.Config.HiddenSize;
        var label = $"{model.Name} {model.Config.NumLayers}x{hidden} [{string.Join(",", lengths)}]";
        float[]? devicePooled = null, hostPooled = null;
        Compare("encoder", $"{label} last hidden state", tolerance, batch.TotalTokens * hidden, backend =>
        {
            using var encoder = new BertEncoder(model, backend);
            using var deviceBatch = batch.Upload(backend);
            var state = encoder.Forward(deviceBatch);
            var output = new float[batch.TotalTokens * hidden];
            backend.Download(state, output);
            using var pooled = backend.Allocate(batch.Sequences * hidden);
            backend.Pool(deviceBatch, state, hidden, PoolingMode.Mean, pooled);
            backend.L2Normalize(pooled, batch.Sequences, hidden);
            var embeddings = new float[batch.Sequences * hidden];
            backend.Download(pooled, embeddings);
            if (ReferenceEquals(backend, device))
                devicePooled = embeddings;
            else
                hostPooled = embeddings;
            return output;
        });
        Compare("encoder", $"{label} mean + L2 embeddings", tolerance, batch.Sequences * hidden,
            backend => (ReferenceEquals(backend, device) ? devicePooled : hostPooled)
                ?? throw new InvalidOperationException("the encoder run above failed"));
    }

    private void Compare(string group, string name, double tolerance, int length, Func<IComputeBackend, IDeviceBuffer> run) =>
        Compare(group, name, tolerance, length, backend =>
        {
            using var buffer = run(backend);
            var values = new float[length];
            backend.Download(buffer, values);
            return values;
        });

    private void Compare(string group, string name, double tolerance, int length, Func<IComputeBackend, float[]> run)
    {
        var watch = Stopwatch.StartNew();
        CheckResult result;
        try
        {
            var actual = run(device);
            var deviceSeconds = watch.Elapsed.TotalSeconds;
            var expected = run(host);
            var (difference, largest) = Differences(actual, expected, length);
            // NaN compares false: a NaN anywhere in the device output fails the check.
            result = new CheckResult(group, name, difference, largest, tolerance, difference <= tolerance, deviceSeconds, null);
        }
        catch (Exception e)
        {
            result = new CheckResult(group, name, double.NaN, double.NaN, tolerance, false, watch.Elapsed.TotalSeconds, $"{e.GetType().Name}: {e.Message}");
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
}
