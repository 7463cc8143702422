using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// Quantizes fp32 activation rows straight into the int16 rows the micro-kernels broadcast pairs from: the quantization
/// is the packing, so x is read from memory once (the dynamic mode's max pass leaves the row in L1 for the second).
/// </summary>
internal static class Int8ActivationPacking
{
    /// <summary>
    /// Writes <c>q = round-half-to-even(x / scale)</c> clamped to [-127, 127] into <paramref name="q"/> (zero past
    /// <c>x.Length</c>: the odd-K pad) and returns the row's scale. A row holding a NaN gets scale NaN, so its outputs
    /// are NaN as in fp32 instead of a silently clamped number; in the dynamic mode an infinity does too (∞/∞).
    /// </summary>
    public static float Row(ReadOnlySpan<float> x, ActivationQuantization quantization, Span<short> q)
    {
        var scale = quantization.Scale;
        if (quantization.IsDynamic)
        {
            scale = MaxMagnitude(x) / 127f;
            if (scale == 0)
                scale = 1;
        }
        var nan = Quantize(x, scale, q);
        q[x.Length..].Clear();
        return nan ? float.NaN : scale;
    }

    /// <summary>max |x|, NaN if any element is NaN (<see cref="Vector256.Max{T}"/> and <see cref="MathF.Max"/> propagate it).</summary>
    private static float MaxMagnitude(ReadOnlySpan<float> x)
    {
        var i = 0;
        var max = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var m = Vector256<float>.Zero;
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
                m = Vector256.Max(m, Vector256.Abs(Vector256.Create(x.Slice(i, Vector256<float>.Count))));
            for (var j = 0; j < Vector256<float>.Count; j++)
                max = MathF.Max(max, m.GetElement(j));
        }
        for (; i < x.Length; i++)
            max = MathF.Max(max, MathF.Abs(x[i]));
        return max;
    }

    /// <summary>
    /// Divides rather than multiplying by 1/scale: the spec (and every other backend) is <c>x / scale</c>, and the
    /// reciprocal moves ties. Division costs ~1 cycle an element here, against N ≥ 384 multiply-adds per element.
    /// </summary>
    private static bool Quantize(ReadOnlySpan<float> x, float scale, Span<short> q)
    {
        var i = 0;
        var nan = false;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var lo = Vector256.Create(-127f);
            var hi = Vector256.Create(127f);
            var seen = Vector256<float>.Zero;
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count)) / s;
                seen |= ~Vector256.Equals(v, v);
                var n = Vector256.ConvertToInt32(Vector256.Round(Vector256.Clamp(v, lo, hi)));
                Vector256.Narrow(n, n).GetLower().CopyTo(q.Slice(i, Vector128<short>.Count));
            }
            nan = seen != Vector256<float>.Zero;
        }
        for (; i < x.Length; i++)
        {
            var v = x[i] / scale;
            nan |= float.IsNaN(v);
            q[i] = (short)MathF.Round(Math.Clamp(v, -127f, 127f));
        }
        return nan;
    }
}
