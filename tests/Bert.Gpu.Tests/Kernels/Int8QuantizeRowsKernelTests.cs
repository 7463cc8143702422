using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Quantization;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary><see cref="QuantizeRowsKernel"/> on ILGPU's CPU emulator (32 threads a row) against the plain reference, bit for bit.</summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Int8QuantizeRowsKernelTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    [Theory]
    [InlineData(6, 29, null)] // every row kind of Int8Checks.QuantizationInput; 8 words, one padding byte a row
    [InlineData(6, 29, 0.25f)]
    [InlineData(5, 1, null)] // one value a row: three padding bytes
    [InlineData(4, 4, 0.25f)] // no padding
    [InlineData(4, 200, null)] // 200 columns over 32 threads, 50 words: several passes of both loops
    [InlineData(4, 200, 0.25f)]
    [InlineData(1, 37, null)] // a single token
    public void MatchesTheReferenceBitForBit(int rows, int width, float? staticScale)
    {
        var kernel = new QuantizeRowsKernel(cpu.Accelerator);
        var (values, scales) = Int8Checks.Quantization(new Int8Device(cpu.Accelerator, cpu.Stream, null!, kernel), rows, width, staticScale);
        output.WriteLine(values.ToString());
        output.WriteLine(scales.ToString());
        Assert.True(values.Holds, values.ToString());
        Assert.True(scales.Holds, scales.ToString());
    }

    [Fact]
    public void ZeroRowsGetScaleOneAndTiesRoundToEven()
    {
        // The rules spelled out once on values chosen by hand, 7 a row (one padding byte): row 0 has maximum 2.5 (scale
        // 2.5/127), row 1 is all zeros, row 2 has maximum 127 (scale exactly 1) and ties at ±0.5, ±1.5, 2.5, -3.5.
        float[] x = [2.5f, -1.25f, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, /**/ 127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -3.5f];
        var kernel = new QuantizeRowsKernel(cpu.Accelerator);
        using var dx = cpu.Upload(x);
        using var dq = cpu.Upload(new[] { -1, -1, -1, -1, -1, -1 }); // garbage the kernel must overwrite, padding included
        using var ds = cpu.Accelerator.Allocate1D<float>(3);
        kernel.Launch(cpu.Stream, dx.View, 3, 7, dq.View, ds.View);
        var bytes = cpu.Download(dq, 6).SelectMany(BitConverter.GetBytes).Select(b => (int)(sbyte)b).ToArray();
        Assert.Equal([2.5f / 127, 1f, 1f], cpu.Download(ds, 3));
        // -1.25 / (2.5/127) is 63.50000024 exactly, -63.5 in fp32: a tie, → -64; the ties of row 2 go to the even neighbour.
        Assert.Equal([127, -64, 0, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 0, /**/ 127, 0, 0, 2, -2, 2, -4, 0], bytes);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void RejectsAStaticScaleThatIsNotPositiveAndFinite(float scale)
    {
        var kernel = new QuantizeRowsKernel(cpu.Accelerator);
        using var x = cpu.Accelerator.Allocate1D<float>(4);
        using var q = cpu.Accelerator.Allocate1D<int>(1);
        using var s = cpu.Accelerator.Allocate1D<float>(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Launch(cpu.Stream, x.View, 1, 4, q.View, s.View, scale));
    }

    [Fact]
    public void RejectsAnOutputWithoutRoomForThePadding()
    {
        var kernel = new QuantizeRowsKernel(cpu.Accelerator);
        using var x = cpu.Accelerator.Allocate1D<float>(2 * 5);
        using var q = cpu.Accelerator.Allocate1D<int>(2);
        using var s = cpu.Accelerator.Allocate1D<float>(2);
        var error = Assert.Throws<ArgumentException>(() => kernel.Launch(cpu.Stream, x.View, 2, 5, q.View, s.View));
        Assert.Contains($"[2, {Int8Packing.Words(5)}] words (5 int8 padded to 8)", error.Message);
    }
}
