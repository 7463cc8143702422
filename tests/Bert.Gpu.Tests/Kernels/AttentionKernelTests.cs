using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class AttentionKernelTests(CpuAccelerator cpu)
{
    private static readonly int[] Lengths = [1, 7, 33];

    [Theory]
    [InlineData(2, 32)]
    [InlineData(3, 16)]
    [InlineData(2, 8)]
    public void MatchesNaiveReferenceAcrossSequences(int heads, int headDim)
    {
        var (qkv, starts) = Inputs(heads, headDim, seed: heads * 100 + headDim);
        var expected = Reference.Attention(qkv, starts, heads, headDim);
        var actual = Run(new AttentionKernel(cpu.Accelerator), qkv, starts, heads, headDim);
        Assert.True(Reference.MaxAbsDiff(expected, actual) < 1e-5f);
    }

    [Fact]
    public void GpuTilingMatchesNaiveReference()
    {
        // The 32×32 tile GPUs get: the 33-token sequence spans two key tiles, one of a single key.
        var (qkv, starts) = Inputs(2, 16, seed: 5);
        var expected = Reference.Attention(qkv, starts, 2, 16);
        var actual = Run(new AttentionKernel(cpu.Accelerator, new AttentionTiling(32, 32)), qkv, starts, 2, 16);
        Assert.True(Reference.MaxAbsDiff(expected, actual) < 1e-5f);
    }

    [Fact]
    public void IsDeterministic()
    {
        var (qkv, starts) = Inputs(2, 16, seed: 9);
        var kernel = new AttentionKernel(cpu.Accelerator);
        Assert.Equal(Run(kernel, qkv, starts, 2, 16), Run(kernel, qkv, starts, 2, 16));
    }

    private static (float[] Qkv, int[] Starts) Inputs(int heads, int headDim, int seed)
    {
        var starts = new int[Lengths.Length + 1];
        for (var s = 0; s < Lengths.Length; s++)
            starts[s + 1] = starts[s] + Lengths[s];
        // Scale 3 makes some softmax rows peaked, which exercises the running-maximum rescaling.
        return (Reference.RandomVector(new Random(seed), starts[^1] * 3 * heads * headDim, 3f), starts);
    }

    private float[] Run(AttentionKernel kernel, float[] qkv, int[] starts, int heads, int headDim)
    {
        var tokens = starts[^1];
        using var dqkv = cpu.Upload(qkv);
        using var dstarts = cpu.Upload(starts);
        using var context = cpu.Accelerator.Allocate1D<float>(tokens * heads * headDim);
        kernel.Launch(cpu.Stream, dqkv.View, dstarts.View, Lengths.Length, tokens, Lengths.Max(), heads, headDim, context.View);
        return cpu.Download(context, tokens * heads * headDim);
    }
}
