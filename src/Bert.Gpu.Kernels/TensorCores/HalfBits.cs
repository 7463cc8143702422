using ILGPU;

namespace Bert.Gpu.Kernels.TensorCores;

/// <summary>
/// IEEE binary16 (fp16) values kept as 16-bit patterns in the low bits of an <see cref="int"/>, two to a
/// <see cref="uint"/> as PTX's <c>f16x2</c> registers hold them (element 0 in the low half), converted with integer
/// arithmetic only. Why not <see cref="ILGPU.Half"/>: PoCL 6 has no <c>cl_khr_fp16</c>, so the OpenCL lane cannot run
/// half arithmetic, and the managed twins of the tensor-core kernels must hold the very bits the PTX registers hold.
/// Callable from kernels (no BCL intrinsics) and from the host; <see cref="FromFloat"/> rounds to nearest even,
/// as <c>cvt.rn.f16.f32</c> and <see cref="System.Half"/>'s conversion do.
/// </summary>
public static class HalfBits
{
    /// <summary>The fp16 bits nearest to <paramref name="value"/> (ties to even; overflow to ±∞; NaN stays NaN), in bits 0–15.</summary>
    public static int FromFloat(float value)
    {
        var x = (int)Interop.FloatAsInt(value);
        var sign = (x >> 16) & 0x8000;
        x &= 0x7FFFFFFF;
        if (x >= 0x7F800000)
            return sign | (x > 0x7F800000 ? 0x7E00 : 0x7C00); // NaN (quiet) or ∞
        if (x >= 0x477FF000)
            return sign | 0x7C00; // ≥ 65,520 (the midpoint above 65,504, fp16's largest) rounds to ∞
        if (x >= 0x38800000)
        {
            // Normal: rebias the exponent (127 → 15) and round away the low 13 mantissa bits; a carry moves into the
            // exponent, which is the right answer (…3FF rounds up to the next power of two).
            var h = (x >> 13) - (112 << 10);
            var rest = x & 0x1FFF;
            return sign | (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0) ? h + 1 : h);
        }
        if (x < 0x33000000)
            return sign; // below 2⁻²⁵, half the smallest subnormal (2⁻²⁵ itself ties to the even 0)
        // Subnormal: the value is m·2^(e−150) with the implicit bit in m; in units of 2⁻²⁴ that is m >> (126 − e).
        var exponent = x >> 23;
        var mantissa = (x & 0x7FFFFF) | 0x800000;
        var shift = 126 - exponent;
        var k = mantissa >> shift;
        var remainder = mantissa & ((1 << shift) - 1);
        var halfway = 1 << (shift - 1);
        return sign | (remainder > halfway || (remainder == halfway && (k & 1) != 0) ? k + 1 : k);
    }

    /// <summary>The float the fp16 bits in bits 0–15 of <paramref name="bits"/> stand for (exact: every fp16 is a float).</summary>
    public static float ToFloat(int bits)
    {
        var sign = (bits & 0x8000) << 16;
        var exponent = (bits >> 10) & 0x1F;
        var mantissa = bits & 0x3FF;
        if (exponent == 0x1F)
            return Interop.IntAsFloat((uint)(sign | 0x7F800000 | (mantissa << 13)));
        if (exponent != 0)
            return Interop.IntAsFloat((uint)(sign | ((exponent + 112) << 23) | (mantissa << 13)));
        // Zero or subnormal: mantissa·2⁻²⁴, exact in float.
        var magnitude = mantissa * 5.9604644775390625e-8f;
        return Interop.IntAsFloat((uint)sign | Interop.FloatAsInt(magnitude));
    }

    /// <summary>The <c>f16x2</c> register of two values: <paramref name="low"/> (element 0) in bits 0–15, <paramref name="high"/> in 16–31.</summary>
    public static uint Pack(float low, float high) => (uint)FromFloat(low) | ((uint)FromFloat(high) << 16);

    /// <summary>Element 0 (bits 0–15) of an <c>f16x2</c> register.</summary>
    public static float Low(uint pair) => ToFloat((int)(pair & 0xFFFF));

    /// <summary>Element 1 (bits 16–31) of an <c>f16x2</c> register.</summary>
    public static float High(uint pair) => ToFloat((int)(pair >> 16));
}
