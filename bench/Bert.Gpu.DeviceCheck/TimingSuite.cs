using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Times the encoder's GEMMs, its attention and whole encoders at the shape set's timed batch (for real shapes batch
/// 128 × 128 tokens, as bench/gpu/torch_baseline.py). The only synchronization <see cref="IComputeBackend"/> offers is
/// <see cref="IComputeBackend.Download"/>, so a sample ends with a one-value download, which waits for the queue.
/// </summary>
internal sealed class TimingSuite(IComputeBackend backend, ShapeSet set, int? samples, RunLog log)
{
    public List<TimingResult> Results { get; } = [];

    public void Gemm(LinearShape s, int seed = 21)
    {
        var random = new Random(seed);
        using var weights = backend.UploadLinear(
            new FloatTensor(RandomModels.Vector(random, s.Out * s.In, 1 / MathF.Sqrt(s.In)), s.Out, s.In),
            new FloatTensor(RandomModels.Vector(random, s.Out), s.Out));
        using var x = backend.Upload(RandomModels.Vector(random, s.Rows * s.In));
        using var residual = s.Residual ? backend.Upload(RandomModels.Vector(random, s.Rows * s.Out)) : null;
        using var y = backend.Allocate(s.Rows * s.Out);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Linear(x, s.Rows, weights, s.Activation, residual, y), () => Synchronize(y));
        Add(new TimingResult("gemm", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            s.Flops / (median * 1e6), null));
    }

    public void Attention(ModelShape model, int seed = 22)
    {
        var s = model.Attention(model.Label, Enumerable.Repeat(set.TimingLength, set.TimingSequences).ToArray());
        var batch = new PackedBatch(s.Lengths.Select(n => new Tokenization.TokenizedText(new int[n], new int[n])).ToList());
        var hidden = s.Heads * s.HeadDim;
        using var deviceBatch = batch.Upload(backend);
        using var qkv = backend.Upload(RandomModels.Vector(new Random(seed), batch.TotalTokens * 3 * hidden, 2f));
        using var context = backend.Allocate(batch.TotalTokens * hidden);
        var (median, min, max) = KernelTimer.Measure(Plan(set.OpTiming), () => backend.Attention(deviceBatch, qkv, s.Heads, s.HeadDim, context),
            () => Synchronize(context));
        Add(new TimingResult("attention", s.Label, s.Describe(), median, min, max, Plan(set.OpTiming).Samples, set.OpTiming.LaunchesPerSample,
            s.Flops / (median * 1e6), null));
    }

    /// <summary>The encoder's forward pass on an uploaded batch (embeddings to last hidden state), as torch times BertModel.</summary>
    public void Encoder(BertModel model, int seed = 23)
    {
        var lengths = Enumerable.Repeat(set.TimingLength, set.TimingSequences).ToArray();
        var batch = new PackedBatch(RandomModels.Sequences(new Random(seed), lengths, model.Config.VocabSize));
        using var encoder = new BertEncoder(model, backend);
        using var deviceBatch = batch.Upload(backend);
        IDeviceBuffer? hidden = null;
        var (median, min, max) = KernelTimer.Measure(Plan(set.EncoderTiming), () => hidden = encoder.Forward(deviceBatch), () => Synchronize(hidden!));
        var c = model.Config;
        Add(new TimingResult("encoder", model.Name, $"{set.TimingSequences}x{set.TimingLength} tokens, {c.NumLayers} layers x {c.HiddenSize}",
            median, min, max, Plan(set.EncoderTiming).Samples, set.EncoderTiming.LaunchesPerSample, null, batch.TotalTokens / (median / 1e3)));
    }

    private TimingPlan Plan(TimingPlan plan) => samples is { } n ? plan with { Samples = n } : plan;

    private void Synchronize(IDeviceBuffer buffer) => backend.Download(buffer, stackalloc float[1]);

    private void Add(TimingResult result)
    {
        Results.Add(result);
        log.Line(result.Describe());
    }
}
