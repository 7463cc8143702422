namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// The int8 layout <see cref="Int8LinearKernel"/> reads: each row of <c>width</c> int8 values padded with zeros to a
/// multiple of 4 and packed four to a 32-bit word, value <c>4w + j</c> in byte <c>j</c> (bits <c>8j … 8j+7</c>) of word
/// <c>w</c>, which is the byte order of <c>dp4a</c>'s operands. Padding, not a K % 4 requirement, so any in-features
/// work (the zeros add nothing to a dot product); activations get the same layout from
/// <see cref="Quantization.QuantizeRowsKernel"/>.
/// </summary>
public static class Int8Packing
{
    /// <summary>Words per packed row of <paramref name="width"/> int8 values.</summary>
    public static int Words(int width) => (width + 3) / 4;

    /// <summary>Packs row-major <c>[rows, width]</c> int8 values (e.g. weights <c>[out, in]</c>) into <c>[rows, Words(width)]</c> words.</summary>
    /// <param name="values">The values, <c>rows·width</c> of them.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Values per row.</param>
    public static int[] PackRows(ReadOnlySpan<sbyte> values, int rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (values.Length != (long)rows * width)
            throw new ArgumentException($"{values.Length} values cannot be [{rows}, {width}].", nameof(values));
        var words = Words(width);
        var packed = new int[(long)rows * words];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < width; c++)
                packed[r * words + c / 4] |= (byte)values[r * width + c] << (8 * (c % 4));
        return packed;
    }
}
