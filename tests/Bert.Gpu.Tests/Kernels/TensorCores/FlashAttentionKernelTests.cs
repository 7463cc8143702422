using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Tests.Support;
using ILGPU.Runtime;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core attention's managed path (the CUDA path's tiles, warps and fragment ownership, mma emulated) on the
/// CPU accelerator against a double-precision softmax(q·kᵀ/√d)·v of the same fp16 inputs. Lengths 1, 7, 37 and 70 give
/// a lone key, blocks mostly masked, one partial 64-key block, and two query blocks times two key blocks (the online
/// rescaling) in one packed batch.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class FlashAttentionKernelTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    private static readonly int[] Lengths = [1, 7, 37, 70];
    private const int Heads = 2;

    /// <summary>Inputs in [−1.5, 1.5]: scores up to ~±10 (peaked rows), outputs |o| ≤ 1.5 (convex combinations of v).</summary>
    private const float InputScale = 1.5f;

    /// <summary>
    /// Max error, from the two fp16 roundings the kernel adds to exact inputs: each probability rounded to fp16 before
    /// P·V (relative 2⁻¹¹, while the row sum keeps fp32) moves o = Σpv/Σp by at most 2⁻¹¹·max|v|; the fp16 output
    /// adds half an ulp, 2⁻¹¹ for |o| in [1, 2). fp32 accumulation and exp (2⁻²² relative per term here) add ~10⁻⁵.
    /// </summary>
    private const double Tolerance = InputScale / 2048 + 1.0 / 2048 + 1e-5;

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void MatchesDoublePrecisionSoftmaxOfTheSameHalves(int headDim)
    {
        var starts = new int[Lengths.Length + 1];
        for (var s = 0; s < Lengths.Length; s++)
            starts[s + 1] = starts[s] + Lengths[s];
        var tokens = starts[^1];
        var hidden = Heads * headDim;
        var bits = Reference.RandomVector(new Random(headDim), tokens * 3 * hidden, InputScale).Select(v => (ushort)HalfBits.FromFloat(v)).ToArray();
        var expected = Reference.Attention(bits.Select(b => HalfBits.ToFloat(b)).ToArray(), starts, Heads, headDim);

        using var qkv = cpu.Upload(bits);
        using var seqStarts = cpu.Upload(starts);
        using var context = cpu.Accelerator.Allocate1D<ushort>(tokens * hidden);
        context.MemSetToZero();
        new FlashAttentionKernel(cpu.Accelerator).Launch(cpu.Stream, qkv.View, seqStarts.View, Lengths.Length, tokens, Lengths.Max(), Heads, headDim, context.View);
        var actual = cpu.Download(context, tokens * hidden).Select(b => (double)HalfBits.ToFloat(b)).ToArray();

        var errors = actual.Zip(expected, (a, e) => Math.Abs(a - e)).ToArray();
        output.WriteLine($"head dim {headDim}: max error {errors.Max():G3}, mean {errors.Average():G3}, bound {Tolerance:G3}");
        Assert.True(errors.Max() <= Tolerance, $"max error {errors.Max():G3} > {Tolerance:G3} at element {Array.IndexOf(errors, errors.Max())}");
        // Typical errors are a fraction of the bound; a kernel off by one key would still sit far above this.
        Assert.True(errors.Average() <= Tolerance / 4, $"mean error {errors.Average():G3}");
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
