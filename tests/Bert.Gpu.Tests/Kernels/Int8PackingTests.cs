using Bert.Gpu.Kernels.Gemm;

namespace Bert.Gpu.Tests.Kernels;

/// <summary><see cref="Int8Packing"/>, the weight layout, against little-endian bytes read back by BitConverter.</summary>
[Trait("Category", "Kernels")]
public class Int8PackingTests
{
    [Theory]
    [InlineData(3, 29)] // one padding byte a row
    [InlineData(2, 1)]
    [InlineData(4, 8)] // none
    public void MatchesLittleEndianBytes(int rows, int width)
    {
        var values = Int8Reference.RandomInt8(new Random(rows * 100 + width), rows * width, -128);
        values[0] = -128; // 0x80: the byte whose sign bit a wrong shift or mask would lose
        Assert.Equal(Int8Reference.Pack(values, rows, width), Int8Packing.PackRows(values, rows, width));
    }

    [Fact]
    public void PutsValueFourWPlusJInByteJOfWordW()
    {
        // [1, 2, -1, 4 | 5, then 3 padding zeros]: byte 0 is the lowest, as dp4a reads its operands.
        Assert.Equal([0x04FF0201, 0x00000005], Int8Packing.PackRows([1, 2, -1, 4, 5], 1, 5));
        Assert.Equal(2, Int8Packing.Words(5));
    }

    [Fact]
    public void RejectsACountThatIsNotTheShape() =>
        Assert.Throws<ArgumentException>(() => Int8Packing.PackRows(new sbyte[7], 2, 4));
}
