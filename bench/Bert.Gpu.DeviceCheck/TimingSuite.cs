using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Times the encoder's GEMMs, its attention and whole encoders at the shape set's timed batch (for real shapes batch
/// 128 × 128 tokens, as bench/gpu/torch_baseline.py), in fp32 or fp16. The only synchronization
/// <see cref="IComputeBackend"/> offers is <see cref="IComputeBackend.Download"/>, so a sample ends with a one-value
/// download, which waits for the queue.
/// </summary>
/// <param name="fp16PeakTflops">The GPU's dense fp16 peak, to give fp16 GEMMs a share of it; null when unknown.</param>
internal sealed class TimingSuite(IComputeBackend backend, ShapeSet set, int? samples, double? fp16PeakTflops, RunLog log) : IDisposable
{
    private readonly Lazy<IDeviceBuffer> _sync = new(() => backend.Allocate(1));

    public List<TimingResult> Results { get; } = [];

    /// <summary>
    /// One linear layer with its epilogue. fp16 as the fp16 pipeline runs it (<see cref="HalfActivations"/>): from an
    /// <see cref="Fp16Linear"/> on an fp16 input, writing fp16 (Q, K, V and the FFN's first GEMM) or, for the layers that
    /// add the residual stream, fp32 — as torch's fp16 rows start from fp16 tensors.
    /// </summary>
    public void Gemm(LinearShape s, Precision precision, int seed = 21)
    {
        var random = new Random(seed);
        var layer = new Fp32Linear(new FloatTensor(RandomModels.Vector(random, s.Out * s.In, 1 / MathF.Sqrt(s.In)), s.Out, s.In),
            new FloatTensor(RandomModels.Vector(random, s.Out), s.Out));
        var fp16 = precision == Precision.Fp16;
        using var weights = backend.UploadLinear(fp16 ? Fp16Linear.From(layer) : layer);
        using var x = Input(random, s.Rows, s.In, fp16);
        using var residual = s.Residual ? backend.Upload(RandomModels.Vector(random, s.Rows * s.Out)) : null;
        using var y = fp16 && !s.Residual ? backend.AllocateHalf(s.Rows * s.Out) : backend.Allocate(s.Rows * s.Out);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Linear(x, s.Rows, weights, s.Activation, residual, y), Synchronize);
        var gflops = s.Flops / (median * 1e6);
        Add(new TimingResult("gemm", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            gflops, null, Name(precision), fp16 && fp16PeakTflops is { } peak ? 100 * gflops / (peak * 1e3) : null));
    }

    /// <summary>
    /// Attention at the timed batch; fp16 on fp16 Q, K, V and context buffers, as the fp16 pipeline runs it, where the
    /// backend has fp16 attention at the head dim (else the fp16 path's fp32 buffers, as the mixed path runs it).
    /// </summary>
    public void Attention(ModelShape model, Precision precision, int seed = 22)
    {
        var s = model.Attention(model.Label, Enumerable.Repeat(set.TimingLength, set.TimingSequences).ToArray());
        var batch = new PackedBatch(s.Lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = s.Heads * s.HeadDim;
        var fp16 = precision == Precision.Fp16 && backend.SupportsHalfAttention(s.HeadDim);
        using var deviceBatch = batch.Upload(backend);
        using var qkv = Input(new Random(seed), batch.TotalTokens, 3 * hidden, fp16);
        using var context = fp16 ? backend.AllocateHalf(batch.TotalTokens * hidden) : backend.Allocate(batch.TotalTokens * hidden);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Attention(deviceBatch, qkv, s.Heads, s.HeadDim, context, precision),
            Synchronize);
        Add(new TimingResult("attention", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            s.Flops / (median * 1e6), null, Name(precision)));
    }

    /// <summary>
    /// Random rows <c>[rows, width]</c> on the device: fp32, or fp16 — written by a LayerNorm (γ 1, β 0) as its fp16
    /// copy, the only way fp16 values reach the device, so they are unit-scale rows like the pipeline's.
    /// </summary>
    private IDeviceBuffer Input(Random random, int rows, int width, bool fp16)
    {
        var values = backend.Upload(RandomModels.Vector(random, rows * width));
        if (!fp16)
            return values;
        using (values)
        using (var gamma = backend.Upload(Enumerable.Repeat(1f, width).ToArray()))
        using (var beta = backend.Upload(new float[width]))
        {
            var halves = backend.AllocateHalf(rows * width);
            backend.LayerNorm(values, rows, width, gamma, beta, 1e-12f, halves);
            Synchronize();
            return halves;
        }
    }

    /// <summary>
    /// The encoder's forward pass on an uploaded batch (embeddings to last hidden state), as torch times BertModel:
    /// at the timed batch under the model's name, or at <paramref name="wide"/>'s batch under its name.
    /// </summary>
    public void Encoder(BertModel model, Precision precision, EncoderBatch? wide = null, int seed = 23)
    {
        var (sequences, length) = wide is null ? (set.TimingSequences, set.TimingLength) : (wide.Sequences, wide.Length);
        var batch = new PackedBatch(RandomModels.Sequences(new Random(seed), Enumerable.Repeat(length, sequences).ToArray(), model.Config.VocabSize));
        using var encoder = new BertEncoder(model, backend, precision);
        using var deviceBatch = batch.Upload(backend);
        var (median, min, max) = KernelTimer.Measure(Plan(set.EncoderTiming), () => encoder.Forward(deviceBatch), Synchronize);
        var c = model.Config;
        Add(new TimingResult("encoder", wide?.Name ?? model.Name, $"{sequences}x{length} tokens, {c.NumLayers} layers x {c.HiddenSize}",
            median, min, max, Plan(set.EncoderTiming).Samples, set.EncoderTiming.LaunchesPerSample, null, batch.TotalTokens / (median / 1e3), Name(precision)));
    }

    private static string Name(Precision precision) => precision.ToString().ToLowerInvariant();

    private TimingPlan Plan(TimingPlan plan) => samples is { } n ? plan with { Samples = n } : plan;

    /// <summary>Waits for the queue: one stream, so a one-value download of any buffer waits for everything before it.</summary>
    private void Synchronize() => backend.Download(_sync.Value, stackalloc float[1]);

    /// <summary>Frees the one-value buffer <see cref="Synchronize"/> downloads; the results stay.</summary>
    public void Dispose()
    {
        if (_sync.IsValueCreated)
            _sync.Value.Dispose();
    }

    private void Add(TimingResult result)
    {
        Results.Add(result);
        log.Line(result.Describe());
    }
}
