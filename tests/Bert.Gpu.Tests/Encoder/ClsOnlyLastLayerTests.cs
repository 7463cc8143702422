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
    public void TheHostGivesTheWholeLayersEmbeddingsAtMiniLmShape()
    {
        // Head dim 32: the tiled attention's vector blocks (TinyBert's head dim 8 runs only their scalar tail).
        using var host = new HostBackend();
        var model = TinyBert.Create(7, TinyBert.MiniLmShape);
        int[] lengths = [128, 64, 17, 1];
        Assert.Equal(Embed(host, model, lengths, clsOnly: false), Embed(host, model, lengths, clsOnly: true));
        var int8 = QuantizedModels.AllUnits(model);
        Assert.Equal(Embed(host, int8, lengths, clsOnly: false), Embed(host, int8, lengths, clsOnly: true));
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
        using var host = new HostBackend(1);
        using var counting = new InstrumentedBackend(host);
        Embed(counting, TinyBert.Create(), Lengths, clsOnly: true);
        var tokens = Lengths.Sum();
        // Layer 0: 4 linears × all tokens; layer 1: Q/K/V on all tokens, then 3 linears on 5 first tokens.
        Assert.Equal(4 * tokens + tokens + 3 * Lengths.Length, counting.LinearRows);
    }
}
