using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Quantization;
using Bert.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>The int8 kernels compiled for one accelerator, and the stream they run on.</summary>
internal sealed record Int8Device(Accelerator Accelerator, AcceleratorStream Stream, Int8LinearKernel Linear, QuantizeRowsKernel Quantize);

/// <summary>
/// The int8 kernels on seeded inputs against <see cref="Int8Reference"/>: the same checks run on ILGPU's CPU emulator
/// at tiny odd shapes (Int8LinearKernelTests, Int8QuantizeRowsKernelTests) and on OpenCL / CUDA at BERT's real shapes
/// (Int8DeviceKernelTests), as <see cref="BackendParity"/> does for the fp32 kernels.
/// </summary>
internal static class Int8Checks
{
    /// <summary>
    /// Unit scales and a zero bias, so each output is <c>(float)acc</c> and must equal the int64 sum converted the same
    /// way, bit for bit. Row 0 of x is all +127 and row 0 of w all −128: <c>acc[0, 0] = −16,256·K</c>, the largest
    /// magnitude, and 0x80 bytes test the sign extension.
    /// </summary>
    public static Int8Verdict Accumulation(Int8Device device, int rows, int outFeatures, int inFeatures, int seed = 11)
    {
        var random = new Random(seed);
        var x = Int8Reference.RandomInt8(random, rows * inFeatures, -127);
        var w = Int8Reference.RandomInt8(random, outFeatures * inFeatures, -128);
        x.AsSpan(0, inFeatures).Fill(127);
        w.AsSpan(0, inFeatures).Fill(-128);
        var expected = Int8Reference.Accumulate(x, rows, w, outFeatures, inFeatures).Select(a => (float)a).ToArray();
        var y = Linear(device, x, Filled(rows, 1f), w, Filled(outFeatures, 1f), new float[outFeatures], rows, outFeatures,
            inFeatures, gelu: false, residual: null, inPlace: false);
        return Int8Verdict.Exact($"int8 acc {rows}×{outFeatures}×{inFeatures}", expected, y, (e, a) => Math.Abs((double)e - a));
    }

    /// <summary>
    /// Scales, bias, GELU and residual against the double epilogue. Scales are drawn so the dequantized values are of
    /// order 1 (x·w sums have σ ≈ 73·74·√K; xScale ≈ 1/127, wScale ≈ 3/(127·√K)), where GELU bends.
    /// </summary>
    public static Int8Verdict Epilogue(Int8Device device, int rows, int outFeatures, int inFeatures, bool gelu, bool residual,
        bool inPlace = false, int seed = 12)
    {
        var random = new Random(seed);
        var x = Int8Reference.RandomInt8(random, rows * inFeatures, -127);
        var w = Int8Reference.RandomInt8(random, outFeatures * inFeatures, -128);
        var xScale = Uniform(random, rows, 0.5 / 127, 1.5 / 127);
        var wScale = Uniform(random, outFeatures, 1.5 / (127 * Math.Sqrt(inFeatures)), 4.5 / (127 * Math.Sqrt(inFeatures)));
        var bias = Reference.RandomVector(random, outFeatures);
        var add = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        var acc = Int8Reference.Accumulate(x, rows, w, outFeatures, inFeatures);
        var (expected, allowed) = Int8Reference.Epilogue(acc, rows, outFeatures, xScale, wScale, bias, gelu, add);
        var y = Linear(device, x, xScale, w, wScale, bias, rows, outFeatures, inFeatures, gelu, add, inPlace);
        return Int8Verdict.Within(
            $"int8 linear {rows}×{outFeatures}×{inFeatures}{(gelu ? " gelu" : "")}{(residual ? inPlace ? " +residual in place" : " +residual" : "")}",
            expected, allowed, y);
    }

    /// <summary>
    /// The packed words and the scales, each bit for bit, on <see cref="QuantizationInput"/>. The output buffers start
    /// out as garbage (all bits set, NaN scales), so a padding byte or a row left unwritten shows.
    /// </summary>
    public static (Int8Verdict Values, Int8Verdict Scales) Quantization(Int8Device device, int rows, int width, float? staticScale, int seed = 13)
    {
        var x = QuantizationInput(new Random(seed), rows, width);
        var (values, scales) = Int8Reference.QuantizeRows(x, rows, width, staticScale);
        var expected = Int8Reference.Pack(values, rows, width);
        var words = Int8Packing.Words(width);
        var a = device.Accelerator;
        using var dx = a.Allocate1D(x);
        using var dq = a.Allocate1D(Filled(rows * words, -1));
        using var ds = a.Allocate1D(Filled(rows, float.NaN));
        device.Quantize.Launch(device.Stream, dx.View, rows, width, dq.View, ds.View, staticScale);
        device.Stream.Synchronize();
        var mode = staticScale is { } s ? $"static {s}" : "dynamic";
        return (
            Int8Verdict.Exact($"quantize {rows}×{width} {mode}: values", expected, dq.GetAsArray1D(), LargestByteDifference),
            Int8Verdict.Exact($"quantize {rows}×{width} {mode}: scales", scales.Select(BitConverter.SingleToInt32Bits).ToArray(),
                ds.GetAsArray1D().Select(BitConverter.SingleToInt32Bits).ToArray(), (e, g) => Math.Abs((double)e - g)));
    }

    /// <summary>
    /// fp32 activations quantized on the device (dynamic or static), then the int8 GEMM with GELU and residual, against the
    /// reference quantization, the int64 sums and the double epilogue.
    /// </summary>
    public static Int8Verdict Pipeline(Int8Device device, int rows, int outFeatures, int inFeatures, float? staticScale,
        bool gelu, bool residual, int seed = 14)
    {
        var random = new Random(seed);
        var x = Reference.RandomVector(random, rows * inFeatures, 2f);
        var w = Int8Reference.RandomInt8(random, outFeatures * inFeatures, -127);
        var wScale = Uniform(random, outFeatures, 1.5 / (127 * Math.Sqrt(inFeatures)), 4.5 / (127 * Math.Sqrt(inFeatures)));
        var bias = Reference.RandomVector(random, outFeatures);
        var add = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        var (q, xScale) = Int8Reference.QuantizeRows(x, rows, inFeatures, staticScale);
        var acc = Int8Reference.Accumulate(q, rows, w, outFeatures, inFeatures);
        var (expected, allowed) = Int8Reference.Epilogue(acc, rows, outFeatures, xScale, wScale, bias, gelu, add);

        var a = device.Accelerator;
        using var dx = a.Allocate1D(x);
        using var dq = a.Allocate1D<int>(rows * Int8Packing.Words(inFeatures));
        using var ds = a.Allocate1D<float>(rows);
        using var dw = a.Allocate1D(Int8Packing.PackRows(w, outFeatures, inFeatures));
        using var dws = a.Allocate1D(wScale);
        using var db = a.Allocate1D(bias);
        using var dr = a.Allocate1D(add ?? [0f]);
        using var dy = a.Allocate1D<float>(rows * outFeatures);
        device.Quantize.Launch(device.Stream, dx.View, rows, inFeatures, dq.View, ds.View, staticScale);
        device.Linear.Launch(device.Stream, dq.View, ds.View, rows, dw.View, dws.View, db.View, outFeatures, inFeatures, gelu ? Activations.Gelu : Activations.None,
            add is null ? null : dr.View, dy.View);
        device.Stream.Synchronize();
        var mode = staticScale is { } s ? $"static {s}" : "dynamic";
        return Int8Verdict.Within($"quantize {mode} + int8 linear {rows}×{outFeatures}×{inFeatures}", expected, allowed, dy.GetAsArray1D());
    }

    /// <summary>
    /// Rows that probe every rule: row 1 all zeros (scale 1, zeros out); rows ≡ 2 (mod 4) ties at scale 1 (their maximum is
    /// 127, and k + ½ divided by 1 stays exact); rows ≡ 3 (mod 4) the same ties over 4 (maximum 31.75, scale 0.25 exactly,
    /// also the static scale the tests use); the rest uniform with magnitudes from 1e-3 to 1e3, so a static scale
    /// saturates some and leaves others near zero.
    /// </summary>
    public static float[] QuantizationInput(Random random, int rows, int width)
    {
        float[] ties = [127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f, 3.5f, 0f];
        var x = new float[rows * width];
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * width, width);
            switch (r % 4)
            {
                case 1 when r == 1:
                    break;
                case 2:
                    for (var c = 0; c < width; c++)
                        row[c] = ties[c % ties.Length];
                    break;
                case 3:
                    for (var c = 0; c < width; c++)
                        row[c] = ties[c % ties.Length] / 4;
                    break;
                default:
                    var magnitude = MathF.Pow(10, (float)(random.NextDouble() * 6 - 3));
                    Reference.RandomVector(random, width, magnitude).CopyTo(row);
                    break;
            }
        }
        return x;
    }

    private static float[] Linear(Int8Device device, sbyte[] x, float[] xScale, sbyte[] w, float[] wScale, float[] bias, int rows,
        int outFeatures, int inFeatures, bool gelu, float[]? residual, bool inPlace)
    {
        var a = device.Accelerator;
        using var dx = a.Allocate1D(Int8Reference.Pack(x, rows, inFeatures));
        using var dxs = a.Allocate1D(xScale);
        using var dw = a.Allocate1D(Int8Packing.PackRows(w, outFeatures, inFeatures));
        using var dws = a.Allocate1D(wScale);
        using var db = a.Allocate1D(bias);
        using var dr = a.Allocate1D(residual ?? [0f]);
        // In place: y starts out as the residual and is passed as both.
        using var dy = a.Allocate1D(inPlace && residual is not null ? residual : new float[rows * outFeatures]);
        ArrayView<float>? add = residual is null ? null : inPlace ? dy.View : dr.View;
        device.Linear.Launch(device.Stream, dx.View, dxs.View, rows, dw.View, dws.View, db.View, outFeatures, inFeatures, gelu ? Activations.Gelu : Activations.None, add, dy.View);
        device.Stream.Synchronize();
        return dy.GetAsArray1D();
    }

    private static double LargestByteDifference(int expected, int actual)
    {
        var largest = 0;
        for (var shift = 0; shift < 32; shift += 8)
            largest = Math.Max(largest, Math.Abs((sbyte)(expected >> shift) - (sbyte)(actual >> shift)));
        return largest;
    }

    private static T[] Filled<T>(int length, T value)
    {
        var values = new T[length];
        Array.Fill(values, value);
        return values;
    }

    private static float[] Uniform(Random random, int length, double low, double high) =>
        Enumerable.Range(0, length).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();
}
