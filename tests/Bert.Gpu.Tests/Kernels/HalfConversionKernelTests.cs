using Bert.Gpu.Kernels.Conversion;

namespace Bert.Gpu.Tests.Kernels;

/// <summary><see cref="ToHalfKernel"/> and <see cref="FromHalfKernel"/> on the CPU accelerator against .NET's own <see cref="Half"/> conversions.</summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class HalfConversionKernelTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(3, 13, 16)]
    [InlineData(5, 8, 8)]
    [InlineData(1, 1, 8)]
    public void RowsRoundAsDotNetsHalf_AndThePaddingIsZero(int rows, int width, int padded)
    {
        var random = new Random(rows * 100 + width);
        // Wide magnitudes: subnormal fp16 results, overflow to infinity, ties.
        var x = Enumerable.Range(0, rows * width).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-27, 18)))).ToArray();
        x[0] = 65520f; // the midpoint above fp16's largest value: rounds to infinity
        using var input = cpu.Upload(x);
        using var output = cpu.Upload(Enumerable.Repeat((ushort)0xFFFF, rows * padded).ToArray()); // the padding must be written, not left

        new ToHalfKernel(cpu.Accelerator).Launch(cpu.Stream, input.View, rows, width, padded, output.View);

        var y = cpu.Download(output, rows * padded);
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < padded; c++)
            {
                var expected = c < width ? BitConverter.HalfToUInt16Bits((Half)x[r * width + c]) : (ushort)0;
                Assert.True(expected == y[r * padded + c], $"[{r}, {c}]: 0x{y[r * padded + c]:X4}, not 0x{expected:X4}");
            }
        Assert.Equal((ushort)0x7C00, y[0]);
    }

    [Fact]
    public void EveryHalfComesBackAsDotNetsFloat()
    {
        var halves = Enumerable.Range(0, 0x10000).Select(b => (ushort)b).ToArray();
        using var input = cpu.Upload(halves);
        using var output = cpu.Accelerator.Allocate1D<float>(halves.Length);

        new FromHalfKernel(cpu.Accelerator).Launch(cpu.Stream, input.View, halves.Length, output.View);

        var y = cpu.Download(output, halves.Length);
        for (var b = 0; b < halves.Length; b++)
        {
            var expected = (float)BitConverter.UInt16BitsToHalf(halves[b]);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(y[b]) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[b]), $"0x{b:X4}: {y[b]}, not {expected}");
        }
    }
}
