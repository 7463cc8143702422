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
internal sealed class TimingSuite(IComputeBackend backend, ShapeSet set, int? samples, double? fp16PeakTflops, RunLog log)
{
    public List<TimingResult> Results { get; } = [];

    /// <summary>
    /// One linear layer with its epilogue; fp16 from an <see cref="Fp16Linear"/>, the fp32 input converted to fp16
    /// inside each launch as the encoder does (torch's fp16 rows start from fp16 tensors).
    /// </summary>
    public void Gemm(LinearShape s, Precision precision, int seed = 21)
    {
        var random = new Random(seed);
        var layer = new Fp32Linear(new FloatTensor(RandomModels.Vector(random, s.Out * s.In, 1 / MathF.Sqrt(s.In)), s.Out, s.In),
            new FloatTensor(RandomModels.Vector(random, s.Out), s.Out));
        using var weights = backend.UploadLinear(precision == Precision.Fp16 ? Fp16Linear.From(layer) : layer);
        using var x = backend.Upload(RandomModels.Vector(random, s.Rows * s.In));
        using var residual = s.Residual ? backend.Upload(RandomModels.Vector(random, s.Rows * s.Out)) : null;
        using var y = backend.Allocate(s.Rows * s.Out);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Linear(x, s.Rows, weights, s.Activation, residual, y), () => Synchronize(y));
        var gflops = s.Flops / (median * 1e6);
        Add(new TimingResult("gemm", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            gflops, null, Name(precision), precision == Precision.Fp16 && fp16PeakTflops is { } peak ? 100 * gflops / (peak * 1e3) : null));
    }

    /// <summary>Attention at the timed batch; fp16 includes the Q, K, V and context conversions the backend launches around the kernel.</summary>
    public void Attention(ModelShape model, Precision precision, int seed = 22)
    {
        var s = model.Attention(model.Label, Enumerable.Repeat(set.TimingLength, set.TimingSequences).ToArray());
        var batch = new PackedBatch(s.Lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = s.Heads * s.HeadDim;
        using var deviceBatch = batch.Upload(backend);
        using var qkv = backend.Upload(RandomModels.Vector(new Random(seed), batch.TotalTokens * 3 * hidden, 2f));
        using var context = backend.Allocate(batch.TotalTokens * hidden);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Attention(deviceBatch, qkv, s.Heads, s.HeadDim, context, precision),
            () => Synchronize(context));
        Add(new TimingResult("attention", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            s.Flops / (median * 1e6), null, Name(precision)));
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
        IDeviceBuffer? hidden = null;
        var (median, min, max) = KernelTimer.Measure(Plan(set.EncoderTiming), () => hidden = encoder.Forward(deviceBatch), () => Synchronize(hidden!));
        var c = model.Config;
        Add(new TimingResult("encoder", wide?.Name ?? model.Name, $"{sequences}x{length} tokens, {c.NumLayers} layers x {c.HiddenSize}",
            median, min, max, Plan(set.EncoderTiming).Samples, set.EncoderTiming.LaunchesPerSample, null, batch.TotalTokens / (median / 1e3), Name(precision)));
    }

    private static string Name(Precision precision) => precision.ToString().ToLowerInvariant();

    private TimingPlan Plan(TimingPlan plan) => samples is { } n ? plan with { Samples = n } : plan;

    private void Synchronize(IDeviceBuffer buffer) => backend.Download(buffer, stackalloc float[1]);

    private void Add(TimingResult result)
    {
        Results.Add(result);
        log.Line(result.Describe());
    }
}
