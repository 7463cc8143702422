using System.Runtime.Intrinsics;
using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Host;

/// <summary>Pooling of one sequence's rows into one vector.</summary>
internal static class HostPooling
{
    public static void Sequence(ReadOnlySpan<float> rows, int width, PoolingMode mode, Span<float> output)
    {
        var count = rows.Length / width;
        if (count == 0)
            throw new ArgumentException("Cannot pool an empty sequence.", nameof(rows));
        rows[..width].CopyTo(output);
        if (mode == PoolingMode.Cls)
            return;
        for (var r = 1; r < count; r++)
        {
            var row = rows.Slice(r * width, width);
            for (var i = 0; i < width; i++)
                output[i] = mode == PoolingMode.Max ? MathF.Max(output[i], row[i]) : output[i] + row[i];
        }
        if (mode == PoolingMode.Mean)
        {
            var inv = 1f / count;
            for (var i = 0; i < width; i++)
                output[i] *= inv;
        }
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector256<float>.Zero;
        var i = 0;
        for (; i + 8 <= a.Length; i += 8)
            acc = Vector256.FusedMultiplyAdd(Vector256.Create(a.Slice(i, 8)), Vector256.Create(b.Slice(i, 8)), acc);
        var sum = Vector256.Sum(acc);
        for (; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
