using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.Encoder;

/// <summary>
/// The fp32 activation buffers of one forward pass, sized for a token capacity and reused across batches so the hot
/// path allocates nothing; they grow (never shrink) when a larger batch arrives. The fp16 pipeline has its own
/// (<see cref="HalfActivations"/>); this one serves fp32, int8, and fp16 layers on shapes that pipeline does not take.
/// </summary>
internal sealed class Workspace(IComputeBackend backend, BertConfig config) : IDisposable
{
    private IDeviceBuffer[] _buffers = [];

    public int Capacity { get; private set; }

    /// <summary>
    /// Activation bytes per token of capacity: the buffers below, fp32, <c>4·(6·hidden + intermediate)</c> (MiniLM:
    /// 15,360 B, so 126 MB for an 8,192-token batch); with <see cref="Precision.Fp16"/> also the fp16 scratch the backend
    /// converts into, <c>2·(max(hidden, intermediate) + 3·hidden + hidden)</c> — a GEMM's input (K padded to 8), the
    /// attention's Q, K, V and its context (MiniLM: 6,144 B more). The one home of that formula: batch budgets and
    /// messages use it (through <see cref="BertEncoder.ActivationBytesPerToken"/>).
    /// </summary>
    public static long BytesPerToken(BertConfig config, Precision precision = Precision.Fp32)
    {
        var fp32 = 4L * (6 * config.HiddenSize + config.IntermediateSize);
        if (precision != Precision.Fp16)
            return fp32;
        var widestInput = Fp16Linear.PaddedWidth(Math.Max(config.HiddenSize, config.IntermediateSize));
        return fp32 + 2L * (widestInput + 4 * config.HiddenSize);
    }

    /// <summary>Layer input and output <c>[tokens, hidden]</c>.</summary>
    public IDeviceBuffer Hidden => _buffers[0];

    /// <summary>Fused projections <c>[tokens, 3·hidden]</c>.</summary>
    public IDeviceBuffer Qkv => _buffers[1];

    /// <summary>Attention context <c>[tokens, hidden]</c>.</summary>
    public IDeviceBuffer Context => _buffers[2];

    /// <summary>Post-attention hidden state <c>[tokens, hidden]</c>.</summary>
    public IDeviceBuffer Attended => _buffers[3];

    /// <summary>Feed-forward activations <c>[tokens, intermediate]</c>.</summary>
    public IDeviceBuffer Intermediate => _buffers[4];

    public void Reserve(int tokens)
    {
        if (tokens <= Capacity)
            return;
        Dispose();
        var h = config.HiddenSize;
        _buffers =
        [
            backend.Allocate(tokens * h),
            backend.Allocate(tokens * 3 * h),
            backend.Allocate(tokens * h),
            backend.Allocate(tokens * h),
            backend.Allocate(tokens * config.IntermediateSize),
        ];
        Capacity = tokens;
    }

    public void Dispose()
    {
        foreach (var b in _buffers)
            b.Dispose();
        _buffers = [];
        Capacity = 0;
    }
}
