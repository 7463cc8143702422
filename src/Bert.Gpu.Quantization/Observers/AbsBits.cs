using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Quantization.Observers;

/// <summary>
/// |x| as the bits of a float with the sign cleared. For non-negative floats the bit patterns order like the values, so
/// an integer max of these bits is max |x|, and one comparison with <see cref="Limit"/> also catches NaN and infinity
/// (their patterns, 0x7F800000 and up, lie above every finite one). Integer max never drops a NaN, as maxps would.
/// </summary>
internal static class AbsBits
{
    /// <summary>Clears the sign bit.</summary>
    public const int Mask = 0x7FFFFFFF;

    /// <summary>
    /// The bits of 2^64: observers accept |x| below it. Real activations are many orders of magnitude smaller; the bound
    /// keeps a histogram range 2^e and its scale factor 2^(bins − e) inside float's exponent range.
    /// </summary>
    public const int Limit = 0x5F800000;

    /// <summary>max over the values of (bits &amp; <see cref="Mask"/>); 0 for no values.</summary>
    public static int Max(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        var i = 0;
        var max = 0;
        if (Vector256.IsHardwareAccelerated && bits.Length >= 4 * Vector256<int>.Count)
        {
            // Four accumulators hide vpmaxsd's latency; the loop is then bound by loads.
            var mask = Vector256.Create(Mask);
            Vector256<int> m0 = default, m1 = default, m2 = default, m3 = default;
            ref var start = ref MemoryMarshal.GetReference(bits);
            for (; i <= bits.Length - 4 * Vector256<int>.Count; i += 4 * Vector256<int>.Count)
            {
                m0 = Vector256.Max(m0, Vector256.LoadUnsafe(ref start, (nuint)i) & mask);
                m1 = Vector256.Max(m1, Vector256.LoadUnsafe(ref start, (nuint)(i + 8)) & mask);
                m2 = Vector256.Max(m2, Vector256.LoadUnsafe(ref start, (nuint)(i + 16)) & mask);
                m3 = Vector256.Max(m3, Vector256.LoadUnsafe(ref start, (nuint)(i + 24)) & mask);
            }
            var m = Vector256.Max(Vector256.Max(m0, m1), Vector256.Max(m2, m3));
            for (var lane = 0; lane < Vector256<int>.Count; lane++)
                max = Math.Max(max, m.GetElement(lane));
        }
        for (; i < bits.Length; i++)
            max = Math.Max(max, bits[i] & Mask);
        return max;
    }

    /// <summary>The first index whose |x| bits are at or above <see cref="Limit"/> (NaN, infinite or huge); the caller knows there is one.</summary>
    public static int FirstOutOfRange(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        for (var i = 0; i < bits.Length; i++)
            if ((bits[i] & Mask) >= Limit)
                return i;
        throw new InvalidOperationException("No value out of range.");
    }

    /// <summary>The error an observer raises for an activation it cannot take.</summary>
    public static ArgumentException OutOfRange(string observer, float value, long index) =>
        new($"observer '{observer}': activation {index} is {value}; calibration needs finite activations below 2^64, so check the model and the input that produced them.");

    /// <summary>The float these bits stand for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(int bits) => BitConverter.Int32BitsToSingle(bits);
}
