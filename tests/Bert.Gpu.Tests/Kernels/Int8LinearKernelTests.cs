using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Quantization;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// <see cref="Int8LinearKernel"/> on ILGPU's CPU emulator at tiny odd shapes, where it runs the portable byte-by-byte
/// dot product (the dp4a path is PTX-only: <see cref="PtxasTests"/> and, on a GPU, CudaInt8KernelTests).
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Int8LinearKernelTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    [Theory]
    [InlineData(37, 53, 29)] // 29 int8 → 8 words, the last with one padding byte; 2 × 2 blocks of 32, all partial
    [InlineData(1, 53, 29)] // a single token
    [InlineData(70, 37, 45)] // three row blocks; 12 words = a full 8-word K slice and a partial one
    [InlineData(1, 1, 1)] // one value, three padding bytes
    [InlineData(2, 3, 4)] // K a multiple of 4: no padding
    public void AccumulatesExactlyInInt32(int rows, int outFeatures, int inFeatures) =>
        Check(Int8Checks.Accumulation(Device(), rows, outFeatures, inFeatures));

    [Theory]
    [InlineData(13)] // one 16-word slice, deeper than K
    [InlineData(77)] // 20 words: a full 16-word slice and a partial one
    public void GpuTilingAccumulatesExactly(int inFeatures) =>
        // The tiling CUDA and OpenCL launch with (64×64 blocks, 16-word slices): 70 rows are one full block and one of 6,
        // 131 columns two full blocks and one of 3.
        Check(Int8Checks.Accumulation(Device(GemmTiling.Device), 70, 131, inFeatures));

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void EpilogueMatchesDoubleReference(bool gelu, bool residual) =>
        Check(Int8Checks.Epilogue(Device(), 37, 53, 29, gelu, residual));

    [Fact]
    public void ResidualMayBeTheOutput() => Check(Int8Checks.Epilogue(Device(), 37, 53, 29, gelu: true, residual: true, inPlace: true));

    [Theory]
    [InlineData(37, null)]
    [InlineData(37, 0.0125f)] // |x| ≤ 2 against 127 · 0.0125 = 1.59: the largest values saturate
    [InlineData(1, null)]
    [InlineData(1, 0.0125f)]
    public void QuantizedActivationsThroughTheGemmMatchTheReference(int rows, float? staticScale) =>
        Check(Int8Checks.Pipeline(Device(), rows, 53, 29, staticScale, gelu: true, residual: true));

    [Fact]
    public void RejectsShortPackedBuffersNamingThePadding()
    {
        var kernel = new Int8LinearKernel(cpu.Accelerator);
        using var xq = cpu.Accelerator.Allocate1D<int>(5 * 7);
        using var scales = cpu.Accelerator.Allocate1D<float>(5);
        using var wq = cpu.Accelerator.Allocate1D<int>(3 * 7);
        using var b = cpu.Accelerator.Allocate1D<float>(3);
        using var y = cpu.Accelerator.Allocate1D<float>(15);
        // 29 int8 values take 8 words, not 7 (29 / 4 rounded down).
        var error = Assert.Throws<ArgumentException>(() =>
            kernel.Launch(cpu.Stream, xq.View, scales.View, 5, wq.View, b.View, b.View, 3, 29, Activations.None, null, y.View));
        Assert.Contains("[5, 8] words (29 int8 padded to 32)", error.Message);
    }

    [Fact]
    public void RejectsADepthWhoseSumsCouldOverflow()
    {
        var kernel = new Int8LinearKernel(cpu.Accelerator);
        using var buffer = cpu.Accelerator.Allocate1D<int>(1);
        using var floats = cpu.Accelerator.Allocate1D<float>(1);
        // 131,072 · 128² = 2³¹: one more than int32 holds.
        Assert.Equal(131_071, Int8LinearKernel.MaxInFeatures);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernel.Launch(cpu.Stream, buffer.View, floats.View, 0, buffer.View, floats.View, floats.View, 1, 131_072, Activations.None, null, floats.View));
    }

    private Int8Device Device(GemmTiling? tiling = null) =>
        new(cpu.Accelerator, cpu.Stream, new Int8LinearKernel(cpu.Accelerator, tiling), new QuantizeRowsKernel(cpu.Accelerator));

    private void Check(Int8Verdict verdict)
    {
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Holds, verdict.ToString());
    }
}
