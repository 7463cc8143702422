using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host;

/// <summary>LayerNorm of one row with two-pass fp32 statistics (the corrected mean, then the mean of squared deviations).</summary>
internal static class HostLayerNorm
{
    public static void Row(Span<float> row, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon)
    {
        var width = row.Length;
        var mean = Sum(row) / width;
        // The corrected two-pass mean (as the kernels' RowLayerNorm): a constant row's fp32 mean is typically an ulp or
        // more off, which 1/√(variance + ε) with BERT's ε = 1e-12 would turn into β ± γ instead of β.
        mean += Deviations(row, mean) / width;
        var variance = SquaredDeviations(row, mean) / width;
        var scale = 1f / MathF.Sqrt(variance + epsilon);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vm = Vector256.Create(mean);
            var vs = Vector256.Create(scale);
            for (; i + 8 <= width; i += 8)
            {
                var v = (Vector256.Create(row.Slice(i, 8)) - vm) * vs;
                Vector256.FusedMultiplyAdd(v, Vector256.Create(gamma.Slice(i, 8)), Vector256.Create(beta.Slice(i, 8))).CopyTo(row.Slice(i, 8));
            }
        }
        for (; i < width; i++)
            row[i] = (row[i] - mean) * scale * gamma[i] + beta[i];
    }

    private static float Sum(ReadOnlySpan<float> row)
    {
        var acc = Vector256<float>.Zero;
        var i = 0;
        for (; i + 8 <= row.Length; i += 8)
            acc += Vector256.Create(row.Slice(i, 8));
        var sum = Vector256.Sum(acc);
        for (; i < row.Length; i++)
            sum += row[i];
        return sum;
    }

    private static float Deviations(ReadOnlySpan<float> row, float mean)
    {
        var acc = Vector256<float>.Zero;
        var vm = Vector256.Create(mean);
        var i = 0;
        for (; i + 8 <= row.Length; i += 8)
            acc += Vector256.Create(row.Slice(i, 8)) - vm;
        var sum = Vector256.Sum(acc);
        for (; i < row.Length; i++)
            sum += row[i] - mean;
        return sum;
    }

    private static float SquaredDeviations(ReadOnlySpan<float> row, float mean)
    {
        var acc = Vector256<float>.Zero;
        var vm = Vector256.Create(mean);
        var i = 0;
        for (; i + 8 <= row.Length; i += 8)
        {
            var d = Vector256.Create(row.Slice(i, 8)) - vm;
            acc = Vector256.FusedMultiplyAdd(d, d, acc);
        }
        var sum = Vector256.Sum(acc);
        for (; i < row.Length; i++)
        {
            var d = row[i] - mean;
            sum += d * d;
        }
        return sum;
    }
}
