using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Reductions;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Quantization;

/// <summary>
/// Symmetric int8 quantization of each row of fp32 <c>x [rows, width]</c> for <see cref="Int8LinearKernel"/>:
/// <c>q = clamp(roundHalfToEven(x / scale), −127, 127)</c>, packed four to a 32-bit word in the layout of
/// <see cref="Int8Packing"/> (<c>[rows, Int8Packing.Words(width)]</c>, column <c>4w + j</c> in byte <c>j</c> of word
/// <c>w</c>, the columns past <c>width</c> zero), and <c>scales[rows]</c>. Per-token dynamic: <c>scale = max|x_r| / 127</c>
/// (an all-zero row gets 1, so it packs to zeros and dequantizes to zeros); per-tensor static: one given scale for every
/// row, values beyond <c>±127·scale</c> saturating, written to <c>scales</c> all the same so the GEMM reads one layout.
/// One group per row; the maximum is a deterministic shared-memory tree (<see cref="GroupMax"/>).
/// </summary>
/// <remarks>
/// Every step is exact or correctly rounded fp32 (the two divisions, then an integer rounding of an exact fraction), so a
/// plain host loop reproduces scales and values bit for bit — as long as the device's fp32 division is IEEE (CUDA's
/// <c>div.rn.f32</c>, PoCL's; OpenCL lets a GPU runtime be 2.5 ulp off unless built with
/// <c>-cl-fp32-correctly-rounded-divide-sqrt</c>, which would move a value sitting on a rounding tie by one).
/// Non-finite inputs give unspecified values.
/// </remarks>
public sealed class QuantizeRowsKernel
{
    /// <summary>The largest magnitude of a quantized value: symmetric, so −128 is never produced.</summary>
    public const int MaxQuantized = 127;

    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, QuantizeShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="threads">
    /// Threads per row, a power of two; null = 128 on devices (BERT's widths are 384–3072: 3–24 columns a thread), 32 on
    /// ILGPU's CPU emulator (every thread an OS thread).
    /// </param>
    public QuantizeRowsKernel(Accelerator accelerator, int? threads = null)
    {
        _accelerator = accelerator;
        Threads = threads ?? (accelerator.AcceleratorType == AcceleratorType.CPU ? 32 : 128);
        if (!GroupSum.IsValidGroupSize(Threads))
            throw new ArgumentOutOfRangeException(nameof(threads), $"{Threads} threads per row is not a power of two up to {GroupSum.MaxGroupSize}.");
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, QuantizeShape>(Kernel);
    }

    /// <summary>Threads per row.</summary>
    public int Threads { get; }

    /// <summary>Queues the quantization of every row of <paramref name="x"/> on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Input <c>[rows, width]</c>, fp32.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="width">Row width (the GEMM's in-features), any value ≥ 1.</param>
    /// <param name="xq">Output <c>[rows, Int8Packing.Words(width)]</c> words; must not overlap <paramref name="x"/>.</param>
    /// <param name="scales">Output <c>[rows]</c>: the scale each row was quantized with.</param>
    /// <param name="staticScale">One per-tensor scale (positive, finite) for every row; null = per-token dynamic.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, int rows, int width, ArrayView<int> xq,
        ArrayView<float> scales, float? staticScale = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (staticScale is { } given && !(float.IsFinite(given) && given > 0f))
            throw new ArgumentOutOfRangeException(nameof(staticScale), $"A static scale must be positive and finite, not {given}.");
        var words = Int8Packing.Words(width);
        Shapes.Require(x, (long)rows * width, nameof(x), $"[{rows}, {width}]");
        Shapes.Require(xq, (long)rows * words, nameof(xq), $"[{rows}, {words}] words ({width} int8 padded to {4 * words})");
        Shapes.Require(scales, rows, nameof(scales), $"[{rows}]");
        if (rows == 0)
            return;
        KernelLimits.Check(_accelerator, nameof(QuantizeRowsKernel), Threads, GroupSum.MaxGroupSize);
        var config = new KernelConfig(new Index1D(rows), new Index1D(Threads));
        _kernel(stream, config, x, xq, scales, new QuantizeShape(width, words, staticScale ?? 0f));
    }

    /// <summary>The scalar arguments; <see cref="StaticScale"/> 0 means per-token dynamic.</summary>
    internal readonly record struct QuantizeShape(int Width, int Words, float StaticScale);

    private static void Kernel(ArrayView<float> x, ArrayView<int> xq, ArrayView<float> scales, QuantizeShape s)
    {
        int r = Grid.IdxX, t = Group.IdxX, threads = Group.DimX;
        var row = x.SubView(r * s.Width, s.Width);
        var scale = s.StaticScale;
        if (scale == 0f)
        {
            var max = 0f;
            for (var c = t; c < s.Width; c += threads)
            {
                var magnitude = IntrinsicMath.Abs(row[c]);
                if (magnitude > max)
                    max = magnitude;
            }
            max = GroupMax.Max(max);
            scale = max > 0f ? max / MaxQuantized : 1f;
        }
        if (t == 0)
            scales[r] = scale;
        var packed = xq.SubView(r * s.Words, s.Words);
        for (var w = t; w < s.Words; w += threads)
        {
            var c = 4 * w;
            packed[w] = (Quantize(row, c, s.Width, scale) & 0xFF)
                | (Quantize(row, c + 1, s.Width, scale) & 0xFF) << 8
                | (Quantize(row, c + 2, s.Width, scale) & 0xFF) << 16
                | Quantize(row, c + 3, s.Width, scale) << 24;
        }
    }

    /// <summary>Column <paramref name="c"/> quantized, or 0 past the row's end (the padding the GEMM multiplies by).</summary>
    private static int Quantize(ArrayView<float> row, int c, int width, float scale)
    {
        if (c >= width)
            return 0;
        var v = row[c] / scale;
        // Clamping first keeps the integer conversion in range and saturates a static scale's outliers; 127 is an integer,
        // so rounding cannot leave the range afterwards.
        v = v > MaxQuantized ? MaxQuantized : v < -MaxQuantized ? -MaxQuantized : v;
        return RoundHalfToEven(v);
    }

    /// <summary>
    /// Round half to even for <c>|v| ≤ 127</c>, by integer conversion and compares only (<c>Math.Round</c> does not compile
    /// for ILGPU devices): the truncation is exact, and so is <c>v − truncation</c>, which only drops <c>v</c>'s integer bits.
    /// </summary>
    private static int RoundHalfToEven(float v)
    {
        var truncated = (int)v;
        var fraction = v - truncated;
        var magnitude = fraction < 0f ? -fraction : fraction;
        if (magnitude > 0.5f || (magnitude == 0.5f && (truncated & 1) != 0))
            truncated += v < 0f ? -1 : 1;
        return truncated;
    }
}
