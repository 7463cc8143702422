namespace Bert.Gpu.Quantization;

/// <summary>
/// A linear layer's weight <c>[rows = out, columns = in]</c> row-major (PyTorch's layout) in symmetric int8 with one
/// scale per output channel (row): <c>w[r, c] ≈ Values[r·Columns + c] · Scales[r]</c>.
/// </summary>
public sealed class Int8Matrix
{
    /// <summary>Wraps existing codes and scales (not copied).</summary>
    /// <exception cref="ArgumentException">Lengths that do not match the shape, a −128 code, or a scale that is not a positive finite float.</exception>
    public Int8Matrix(sbyte[] values, float[] scales, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(scales);
        if (FindViolation(values, scales, rows, columns) is { } problem)
            throw new ArgumentException(problem);
        Values = values;
        Scales = scales;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Output channels.</summary>
    public int Rows { get; }

    /// <summary>Input channels.</summary>
    public int Columns { get; }

    /// <summary>The codes, <c>Rows × Columns</c> row-major, each in −127…127.</summary>
    public sbyte[] Values { get; }

    /// <summary>One scale per row, each positive and finite.</summary>
    public float[] Scales { get; }

    /// <summary>
    /// Quantizes <paramref name="weights"/> <c>[rows, columns]</c> row by row: <c>s_r = max(max_c |w[r, c]| / 127, 2^−126)</c>
    /// and <c>q = clamp(round_half_even(w / s_r), −127, 127)</c> (<see cref="SymmetricInt8"/>).
    /// </summary>
    /// <param name="weights">The fp32 weight, row-major.</param>
    /// <param name="rows">Output channels.</param>
    /// <param name="columns">Input channels.</param>
    /// <param name="tensorName">The weight's name, for the error message.</param>
    /// <exception cref="ArgumentException">The length is not <c>rows·columns</c>, or a weight is NaN or infinite.</exception>
    public static Int8Matrix Quantize(ReadOnlySpan<float> weights, int rows, int columns, string tensorName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != weights.Length)
            throw new ArgumentException($"tensor '{tensorName}': {weights.Length} values do not make a [{rows}, {columns}] matrix.", nameof(weights));
        var values = new sbyte[weights.Length];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * columns, columns);
            var absMax = 0f;
            for (var c = 0; c < columns; c++)
            {
                if (!float.IsFinite(row[c]))
                    throw new ArgumentException($"tensor '{tensorName}': weight [{r}, {c}] is {row[c]}; int8 quantization needs finite weights, so check the model it came from.", nameof(weights));
                absMax = MathF.Max(absMax, MathF.Abs(row[c]));
            }
            var scale = scales[r] = SymmetricInt8.Scale(absMax);
            var codes = values.AsSpan(r * columns, columns);
            for (var c = 0; c < columns; c++)
                codes[c] = SymmetricInt8.Quantize(row[c], scale);
        }
        return new Int8Matrix(values, scales, rows, columns);
    }

    /// <summary>The fp32 weight these codes stand for: <c>Values[r, c] · Scales[r]</c>, row-major.</summary>
    public float[] Dequantize()
    {
        var result = new float[Values.Length];
        for (var r = 0; r < Rows; r++)
            for (var c = 0; c < Columns; c++)
                result[r * Columns + c] = Values[r * Columns + c] * Scales[r];
        return result;
    }

    /// <summary>What makes these arrays unusable as an int8 matrix of this shape, or null; shared with the file reader.</summary>
    internal static string? FindViolation(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || (long)rows * columns != values.Length)
            return $"{values.Length} codes do not make a [{rows}, {columns}] matrix";
        if (scales.Length != rows)
            return $"{scales.Length} scales for {rows} rows";
        var bad = values.IndexOf(sbyte.MinValue);
        if (bad >= 0)
            return $"code [{bad / columns}, {bad % columns}] is -128, which symmetric int8 never uses";
        for (var r = 0; r < scales.Length; r++)
            if (!(scales[r] > 0) || !float.IsFinite(scales[r]))
                return $"the scale of row {r} is {scales[r]}, not a positive finite number";
        return null;
    }
}
