using Bert.Gpu.Kernels.TensorCores;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary><see cref="HalfBits"/> against .NET's own <see cref="Half"/> conversions (IEEE binary16, round to nearest even).</summary>
public class HalfBitsTests
{
    [Fact]
    public void EveryPatternReadsAsDotNetsHalf()
    {
        for (var bits = 0; bits < 0x10000; bits++)
        {
            var expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            var actual = HalfBits.ToFloat(bits);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                $"0x{bits:X4}: {actual} is not {expected}");
        }
    }

    [Fact]
    public void FloatsRoundAsDotNetsHalf()
    {
        // Every half, and the floats just around each one and around each midpoint between neighbours (where ties
        // and carries happen), plus a million random bit patterns.
        var random = new Random(7);
        var values = new List<float> { 65504f, 65519.996f, 65520f, 1e-8f, 2.9802322e-8f, 2.9802326e-8f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NaN };
        for (var bits = 0; bits < 0x7C00; bits++)
        {
            var value = HalfBits.ToFloat(bits);
            var next = HalfBits.ToFloat(bits + 1);
            var middle = (float)(((double)value + next) / 2);
            foreach (var v in new[] { value, middle, MathF.BitDecrement(middle), MathF.BitIncrement(middle) })
            {
                values.Add(v);
                values.Add(-v);
            }
        }
        for (var i = 0; i < 1_000_000; i++)
            values.Add(BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31)));
        foreach (var value in values)
        {
            var expected = BitConverter.HalfToUInt16Bits((Half)value);
            var actual = HalfBits.FromFloat(value);
            Assert.True(float.IsNaN(value) ? (actual & 0x7C00) == 0x7C00 && (actual & 0x3FF) != 0 : actual == expected,
                $"{value:R} (0x{BitConverter.SingleToInt32Bits(value):X8}): 0x{actual:X4}, not 0x{expected:X4}");
        }
    }

    [Fact]
    public void PairsHoldElementZeroInTheLowHalf()
    {
        // cvt.rn.f16x2.f32 d, hi, lo: the PTX ISA puts its second source in the upper half, so element 0 is the low one.
        var pair = HalfBits.Pack(1.5f, -2f);
        Assert.Equal(0xC0003E00u, pair); // −2 = 0xC000, 1.5 = 0x3E00
        Assert.Equal(1.5f, HalfBits.Low(pair));
        Assert.Equal(-2f, HalfBits.High(pair));
    }
}
