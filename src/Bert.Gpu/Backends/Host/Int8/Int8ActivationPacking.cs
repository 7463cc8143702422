using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// Quantizes fp32 activation rows straight into the records the micro-kernels read: the quantization is the packing, so
/// x is read from memory once (the dynamic mode's max pass leaves the row in L1 for the second).
/// Per quad of k, a row's record has three int32 fields: |q| as four bytes; the signs σ of the quad's two pairs as two
/// int16 (σ = sign of the pair's first element, ±1); and the byte offset of the weight version whose signs make each
/// pair agree (<see cref="HostInt8LinearWeights"/>), so that σ·(|q₀|·w′₀ + |q₁|·w′₁) = q₀·w₀ + q₁·w₁ exactly.
/// Layout: <c>[K slice][group of 4 rows][row][field][<see cref="QuadsPerSlice"/>]</c> ints, so a row's fields are
/// written with vector stores, the kernel reads every field at a constant displacement from one pointer, and the
/// groups it visits in turn are contiguous.
/// The loops are compiled fully optimized at once: left to tiering they ran at 26 cycles an element instead of 2.4
/// for as long as a benchmark (or the first batches) lasted.
/// </summary>
internal static unsafe class Int8ActivationPacking
{
    public const int RowsPerGroup = 4;

    public const int Fields = 3;

    /// <summary>K slice in quads: 48 × 384 bytes = 18 KB of panel (four sign versions of 24 columns) in a 32 KB L1.</summary>
    public const int QuadsPerSlice = 48;

    /// <summary>Ints between one field and the next of a row's slice.</summary>
    public const int FieldStride = QuadsPerSlice;

    /// <summary>Ints between one row and the next of a group's slice.</summary>
    public const int RowStride = Fields * FieldStride;

    /// <summary>Ints in one (group, slice).</summary>
    public const int SliceInts = RowsPerGroup * RowStride;

    /// <summary>σ = (+1, +1), for padding.</summary>
    private const int PlusPlus = 0x0001_0001;

    /// <summary>
    /// Quantizes <paramref name="x"/> (<c>q = round-half-to-even(x / scale)</c> clamped to [-127, 127], zero past its end up
    /// to <paramref name="quads"/>·4) into the row whose first slice starts at <paramref name="records"/>, slices
    /// <paramref name="sliceStride"/> ints apart, and returns the row's scale. A row holding a NaN gets scale NaN, so its
    /// outputs are NaN as in fp32 rather than a silently clamped number; in the dynamic mode an infinity does too (∞/∞).
    /// </summary>
    public static float Row(ReadOnlySpan<float> x, ActivationQuantization quantization, int quads, int* records, int sliceStride)
    {
        var scale = quantization.StaticScale ?? 0;
        if (quantization.Mode == ActivationMode.DynamicPerToken)
        {
            scale = MaxMagnitude(x) / 127f;
            if (scale == 0)
                scale = 1;
        }
        return Pack(x, scale, quads, records, sliceStride) ? float.NaN : scale;
    }

    /// <summary>A row beyond the block's last, to fill its group: |q| = 0 everywhere, so it adds nothing.</summary>
    public static void Padding(int quads, int* records, int sliceStride)
    {
        for (var j = 0; j < quads; j++)
        {
            var at = records + j / QuadsPerSlice * sliceStride + j % QuadsPerSlice;
            at[0] = 0;
            at[FieldStride] = PlusPlus;
            at[2 * FieldStride] = 0;
        }
    }

    /// <summary>
    /// max |x| with vmaxps, which passes NaNs on or drops them depending on the operand; it does not matter, since
    /// <see cref="Pack"/> marks a row holding a NaN whatever scale it gets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxMagnitude(ReadOnlySpan<float> x)
    {
        var i = 0;
        var max = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var m = Vector256<float>.Zero;
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
                m = Vector256.MaxNative(m, Vector256.Abs(Vector256.Create(x.Slice(i, Vector256<float>.Count))));
            for (var j = 0; j < Vector256<float>.Count; j++)
                max = MathF.Max(max, m.GetElement(j));
        }
        for (; i < x.Length; i++)
            max = MathF.Max(max, MathF.Abs(x[i]));
        return max;
    }

    /// <summary>
    /// 32 values (eight quads) a step through the AVX2 path, the rest (and all of them without AVX2) through the scalar
    /// one, which computes the same fields. Divides rather than multiplying by 1/scale: the spec (and every other
    /// backend) is <c>x / scale</c>, and the reciprocal moves ties; division costs ~0.5 cycle an element against
    /// N ≥ 384 multiply-adds per element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Pack(ReadOnlySpan<float> x, float scale, int quads, int* records, int sliceStride)
    {
        var i = 0;
        var nan = false;
        if (Avx2.IsSupported)
        {
            var s = Vector256.Create(scale);
            var seen = Vector256<float>.Zero;
            // packssdw and packsswb work within 128-bit lanes: the eight quads come out as 0, 2, 4, 6, 1, 3, 5, 7.
            var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            fixed (float* px = x)
            {
                for (; i + 32 <= x.Length; i += 32)
                {
                    var q = Avx2.PermuteVar8x32(Avx2.PackSignedSaturate(
                        Avx2.PackSignedSaturate(Quantize(px + i, s, ref seen), Quantize(px + i + 8, s, ref seen)),
                        Avx2.PackSignedSaturate(Quantize(px + i + 16, s, ref seen), Quantize(px + i + 24, s, ref seen))).AsInt32(),
                        order).AsSByte();
                    var pairs = q.AsInt16();
                    // σ: the sign of each pair's low byte, as ±1. Version bit: bit 15 of (pair << 8) ^ pair, whether the
                    // two bytes' signs differ; per quad (int32) bits 15 and 31 are the first and second pair's.
                    var sigma = (Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(pairs, 8), 15) | Vector256<short>.One).AsInt32();
                    var differ = (Vector256.ShiftLeft(pairs, 8) ^ pairs).AsUInt32();
                    var version = (Vector256.ShiftRightLogical(differ, 15) & Vector256<uint>.One) | (Vector256.ShiftRightLogical(differ, 31) << 1);
                    var at = records + i / 4 / QuadsPerSlice * sliceStride + i / 4 % QuadsPerSlice;
                    Vector256.Abs(q).AsInt32().Store(at);
                    sigma.Store(at + FieldStride);
                    (version.AsInt32() * HostInt8LinearWeights.VersionBytes).Store(at + 2 * FieldStride);
                }
            }
            nan = seen != Vector256<float>.Zero;
        }
        Span<int> tail = stackalloc int[4];
        for (var j = i / 4; j < quads; j++)
        {
            for (var b = 0; b < 4; b++)
            {
                var k = 4 * j + b;
                var v = k < x.Length ? x[k] / scale : 0f;
                nan |= float.IsNaN(v);
                tail[b] = (int)MathF.Round(Math.Clamp(v, -127f, 127f));
            }
            var at = records + j / QuadsPerSlice * sliceStride + j % QuadsPerSlice;
            at[0] = Math.Abs(tail[0]) | Math.Abs(tail[1]) << 8 | Math.Abs(tail[2]) << 16 | Math.Abs(tail[3]) << 24;
            at[FieldStride] = (tail[0] < 0 ? 0xFFFF : 1) | (tail[2] < 0 ? unchecked((int)0xFFFF_0000) : 0x1_0000);
            at[2 * FieldStride] = (((tail[0] ^ tail[1]) < 0 ? 1 : 0) | ((tail[2] ^ tail[3]) < 0 ? 2 : 0)) * HostInt8LinearWeights.VersionBytes;
        }
        return nan;
    }

    /// <summary>
    /// Eight values divided by the scale, clamped, rounded half to even and converted (truncation is exact on integral
    /// values); NaNs noted in <paramref name="seen"/>, so what the native clamp makes of them does not matter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quantize(float* x, Vector256<float> scale, ref Vector256<float> seen)
    {
        var v = Vector256.Load(x) / scale;
        seen |= ~Vector256.Equals(v, v);
        return Vector256.ConvertToInt32Native(Vector256.Round(Vector256.MinNative(Vector256.MaxNative(v, Vector256.Create(-127f)),
            Vector256.Create(127f))));
    }
}
