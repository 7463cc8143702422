using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Encoder;

/// <summary>
/// CLS pooling runs the last layer's attention output and feed-forward on each sequence's first token only: the
/// embeddings must be those of the whole last layer, bit for bit (every op works row by row).
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class ClsOnlyLastLayerTests(CpuAccelerator cpu)
{
    private static readonly int[] Lengths = [1, 7, 33, 2, 16];

    /// <summary>CLS embeddings of the sequences, with the last layer cut to the first tokens or whole.</summary>
    internal static float[] Embed(IComputeBackend backend, BertModel model, int[] lengths, bool clsOnly, bool normalize = true)
    {
        var batch = new PackedBatch(TinyBert.Sequences(new Random(9), lengths, model.Config.VocabSize));
        using var encoder = new BertEncoder(model, backend) { ClsOnlyLastLayer = clsOnly };
        var output = new float[lengths.Length * model.Config.HiddenSize];
        encoder.Embed(batch, PoolingMode.Cls, normalize, output);
        return output;
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, false)]
    public void TheHostGivesTheWholeLayersEmbeddings(int threads, bool normalize)
    {
        using var host = new HostBackend(threads);
        var model = TinyBert.Create();
        Assert.Equal(Embed(host, model, Lengths, clsOnly: false, normalize), Embed(host, model, Lengths, clsOnly: true, normalize));
        var int8 = QuantizedModels.AllUnits(model);
        Assert.Equal(Embed(host, int8, Lengths, clsOnly: false, normalize), Embed(host, int8, Lengths, clsOnly: true, normalize));
    }

    [Fact]
    public void TheEmulatorGivesTheWholeLayersEmbeddings()
    {
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        var model = TinyBert.Create();
        Assert.Equal(Embed(ilgpu, model, Lengths, clsOnly: false), Embed(ilgpu, model, Lengths, clsOnly: true));
    }

    [Fact]
    public void TheCutLayerIsCheaper()
    {
        // The point of the cut: the last layer's attention output and FFN see one row per sequence. Counted through the
        // backend: rows given to Linear after the last attention.
        var counting = new RowCounter(new HostBackend(1));
        Embed(counting, TinyBert.Create(), Lengths, clsOnly: true);
        var tokens = Lengths.Sum();
        // Layer 0: 4 linears × all tokens; layer 1: Q/K/V on all tokens, then 3 linears on 5 first tokens.
        Assert.Equal(4 * tokens + tokens + 3 * Lengths.Length, counting.LinearRows);
    }

    /// <summary>The host backend, counting the rows every Linear call is given.</summary>
    private sealed class RowCounter(HostBackend inner) : IComputeBackend
    {
        public int LinearRows { get; private set; }
        public string DeviceName => inner.DeviceName;
        public IDeviceBuffer Allocate(int length) => inner.Allocate(length);
        public IDeviceBuffer Upload(ReadOnlySpan<float> values) => inner.Upload(values);
        public IDeviceBuffer Upload(ReadOnlySpan<int> values) => inner.Upload(values);
        public bool Supports(LinearFormat format) => inner.Supports(format);
        public ILinearWeights UploadLinear(LinearLayer layer) => inner.UploadLinear(layer);
        public void Download(IDeviceBuffer source, Span<float> destination) => inner.Download(source, destination);

        public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings, IDeviceBuffer typeEmbeddings,
            IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output) =>
            inner.EmbedLayerNorm(batch, wordEmbeddings, positionEmbeddings, typeEmbeddings, gamma, beta, hidden, epsilon, output);

        public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y)
        {
            LinearRows += rows;
            inner.Linear(x, rows, weights, activation, residual, y);
        }

        public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context) =>
            inner.Attention(batch, qkv, heads, headDim, context);

        public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon) =>
            inner.LayerNorm(x, rows, width, gamma, beta, epsilon);

        public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output) =>
            inner.Pool(batch, hidden, width, mode, output);

        public void L2Normalize(IDeviceBuffer x, int rows, int width) => inner.L2Normalize(x, rows, width);

        public void Dispose() => inner.Dispose();
    }
}
