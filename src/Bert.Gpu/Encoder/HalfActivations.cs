using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.Encoder;

/// <summary>
/// The activation buffers of the fp16 pipeline: the GEMMs' and the attention's operands stay fp16 between kernels, and
/// only the residual stream, which the LayerNorms take their fp32 statistics over, is fp32 (twelve layers of residual sums
/// each rounded to 11 bits would drift; the fp16 copies are rounded once, from the fp32 rows). Three buffers, each reused
/// within a layer (<see cref="BertEncoder"/>'s fp16 forward pass says which operation writes which):
/// <list type="bullet">
/// <item><see cref="Hidden"/> <c>[tokens, hidden]</c> fp32: the layer's input; the attention output and then the
/// feed-forward output are added to it in place (the GEMM reads each residual element before writing it), and each
/// LayerNorm normalizes it in place.</item>
/// <item><see cref="Normed"/> <c>[tokens, hidden]</c> fp16: the copy each LayerNorm writes, the next GEMM's input; the
/// attention writes its context here too, once the Q, K, V GEMM has read the copy.</item>
/// <item><see cref="Wide"/> <c>[tokens, max(3·hidden, intermediate)]</c> fp16: Q | K | V, then the feed-forward
/// activations (the attention has read Q, K, V by then).</item>
/// </list>
/// </summary>
internal sealed class HalfActivations(IComputeBackend backend, BertConfig config) : IDisposable
{
    private IDeviceBuffer[] _buffers = [];

    /// <summary>
    /// Activation bytes per token of capacity: <c>4·hidden + 2·hidden + 2·max(3·hidden, intermediate)</c> — MiniLM
    /// (384, 1,536): 1,536 + 768 + 3,072 = 5,376 B, 35% of the fp32 workspace's 15,360 (<see cref="Workspace.BytesPerToken"/>);
    /// BERT-base 10,752 B of 30,720. The one home of this formula. Not counted, being per sequence rather than per token:
    /// a CLS-only last layer's <c>[sequences, hidden]</c> fp32 rows (the encoder's pooled rows) and their fp16 conversion.
    /// </summary>
    public static long BytesPerToken(BertConfig config) =>
        4L * config.HiddenSize + 2L * config.HiddenSize + 2L * WideWidth(config);

    /// <summary>
    /// Whether the fp16 pipeline can run this encoder; otherwise an fp16 encoder keeps fp32 activations and converts each
    /// GEMM's input per call (<see cref="Workspace"/>). It needs every linear unit in fp16 (an int8 unit quantizes from
    /// fp32), fp16 attention at the model's head dim, and widths that are whole 16-byte rows of halves — the GEMM's K
    /// padding is 8 (<see cref="Fp16Linear.KAlignment"/>) and an fp16 activation row carries no padding: hidden and
    /// intermediate multiples of 8 (every BERT checkpoint's are), and a projected embedding no wider than hidden.
    /// </summary>
    public static bool Applies(BertConfig config, IComputeBackend backend, IEnumerable<ILinearWeights> units, ILinearWeights? projection)
    {
        static bool Whole(int width) => width % Fp16Linear.KAlignment == 0;
        return backend.SupportsHalfAttention(config.HeadDim)
            && Whole(config.HiddenSize) && Whole(config.IntermediateSize)
            && (projection is null || (projection.Format == LinearFormat.Fp16 && Whole(config.EmbeddingWidth) && config.EmbeddingWidth <= config.HiddenSize))
            && units.All(u => u.Format == LinearFormat.Fp16);
    }

    /// <summary>Tokens the buffers hold.</summary>
    public int Capacity { get; private set; }

    /// <summary>The residual stream <c>[tokens, hidden]</c>, fp32.</summary>
    public IDeviceBuffer Hidden => _buffers[0];

    /// <summary>LayerNorm's fp16 copy, or the attention context, <c>[tokens, hidden]</c>.</summary>
    public IDeviceBuffer Normed => _buffers[1];

    /// <summary>Q | K | V or the feed-forward activations, fp16, <c>[tokens, max(3·hidden, intermediate)]</c>.</summary>
    public IDeviceBuffer Wide => _buffers[2];

    /// <summary>Sizes the buffers for <paramref name="tokens"/> tokens; they grow, never shrink.</summary>
    public void Reserve(int tokens)
    {
        if (tokens <= Capacity)
            return;
        Dispose();
        var h = config.HiddenSize;
        _buffers = [backend.Allocate(tokens * h), backend.AllocateHalf(tokens * h), backend.AllocateHalf(tokens * WideWidth(config))];
        Capacity = tokens;
    }

    private static int WideWidth(BertConfig config) => Math.Max(3 * config.HiddenSize, config.IntermediateSize);

    public void Dispose()
    {
        foreach (var b in _buffers)
            b.Dispose();
        _buffers = [];
        Capacity = 0;
    }
}
