using Bert.Gpu.Kernels.Attention;
using ILGPU.Runtime;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core attention's managed path (the CUDA path's tiles, warps and fragment ownership, mma emulated) on the
/// CPU accelerator against a double-precision reference of the same fp16 inputs (<see cref="FlashAttentionCase"/>).
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class FlashAttentionKernelTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void MatchesDoublePrecisionSoftmaxOfTheSameHalves(int headDim)
    {
        var c = FlashAttentionCase.Make(headDim);
        using var qkv = cpu.Upload(c.Qkv);
        using var seqStarts = cpu.Upload(c.Starts);
        using var context = cpu.Accelerator.Allocate1D<ushort>(c.Tokens * c.Hidden);
        context.MemSetToZero();
        new FlashAttentionKernel(cpu.Accelerator).Launch(cpu.Stream, qkv.View, seqStarts.View, c.Lengths.Length, c.Tokens, c.Lengths.Max(), c.Heads, headDim, context.View);
        c.Check(cpu.Download(context, c.Tokens * c.Hidden), output);
    }

    [Fact]
    public void RejectsHeadDimsWithoutASpecialization()
    {
        using var qkv = cpu.Accelerator.Allocate1D<ushort>(3 * 48);
        using var seqStarts = cpu.Upload(new[] { 0, 1 });
        using var context = cpu.Accelerator.Allocate1D<ushort>(48);
        var kernel = new FlashAttentionKernel(cpu.Accelerator);
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Launch(cpu.Stream, qkv.View, seqStarts.View, 1, 1, 1, 1, 48, context.View));
    }
}
