using Bert.Gpu.Backends;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The tensor-core GEMMs on seeded inputs against independent oracles, on any accelerator: the CPU emulator at tiny odd
/// shapes (HalfLinearKernelTests, Int8TensorLinearKernelTests: the managed twins) and a GPU at BERT's shapes
/// (CudaTensorCoreKernelTests: the PTX itself).
/// </summary>
internal static class TensorCoreChecks
{
    /// <summary>
    /// <see cref="HalfLinearKernel"/> against a double-precision product of the same fp16 inputs.
    /// </summary>
    /// <remarks>
    /// Tolerance, per element with S = Σ_k |x_k·w_k|: fp16×fp16 products are exact in fp32 (11-bit significands), so the
    /// accumulator's only error is fp32 summation of K terms, at most K·2⁻²⁴·S (the γ_K bound of recursive summation; the
    /// order inside an mma is unspecified, which the bound covers). The activation's slope is at most 1.13 (GELU), and
    /// its fp32 formula, the bias and the residual add a few ulp: 4·10⁻⁷·(1 + |act| + |y|). The fp16 output then adds
    /// its rounding, at most 2⁻¹¹ relative (half an ulp of an 11-bit significand) or 2⁻²⁵ absolute below fp16's normal
    /// range; and it must be the fp32 output rounded to nearest even, exactly. Split-K (<paramref name="splitK"/> slices,
    /// null: the kernel's own choice, with the partials it asks for) sums each slice's at most 32·⌈steps/S⌉ products in
    /// fp32, then joins the S partials with S − 1 more additions: no longer a chain than K (all slices but the last hold
    /// those 32·⌈steps/S⌉ columns of K, the last at least 8), so the same bound holds.
    /// </remarks>
    public static void HalfLinear(Accelerator accelerator, AcceleratorStream stream, TensorCoreTiling? tiling, int rows, int n, int k,
        int activation, bool bias, bool residual, int? splitK = null)
    {
        var random = new Random(rows * 10_000 + n * 100 + k);
        var x = RandomHalves(random, rows * k, 2f);
        var w = RandomHalves(random, n * k, 0.5f);
        var b = bias ? Reference.RandomVector(random, n) : null;
        var r = residual ? Reference.RandomVector(random, rows * n) : null;
        var (y, yFloat) = RunHalf(accelerator, stream, tiling, x, rows, w, b, n, k, activation, r, inPlace: false, splitK);
        Parallel.For(0, rows, i =>
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (var kk = 0; kk < k; kk++)
                {
                    var p = (double)HalfBits.ToFloat(x[i * k + kk]) * HalfBits.ToFloat(w[j * k + kk]);
                    sum += p;
                    magnitude += Math.Abs(p);
                }
                var activated = Reference.Activate((Activation)activation, sum + (b?[j] ?? 0));
                var expected = activated + (r?[i * n + j] ?? 0);
                var at = i * n + j;
                var floatBound = 1.13 * k * Math.Pow(2, -24) * magnitude + 4e-7 * (1 + Math.Abs(activated) + Math.Abs(expected));
                Assert.True(Math.Abs(yFloat[at] - expected) <= floatBound, $"({i}, {j}): fp32 {yFloat[at]} vs {expected} (bound {floatBound})");
                var halfBound = floatBound + Math.Pow(2, -11) * (Math.Abs(expected) + floatBound) + Math.Pow(2, -25);
                Assert.True(Math.Abs(HalfBits.ToFloat(y[at]) - expected) <= halfBound, $"({i}, {j}): fp16 {HalfBits.ToFloat(y[at])} vs {expected} (bound {halfBound})");
                Assert.Equal(HalfBits.FromFloat(yFloat[at]), y[at]);
            }
        });
    }

    /// <summary>
    /// Runs <see cref="HalfLinearKernel"/> once; <paramref name="inPlace"/>: the residual's buffer is the fp32 output, and
    /// no fp16 output. <paramref name="splitK"/>: forced K slices (null: the kernel's choice); <paramref name="partials"/>:
    /// floats of split-K scratch, 0 for none, null for what the split needs (S·rows·n forced, else
    /// <see cref="HalfLinearKernel.PartialsLength"/>).
    /// </summary>
    public static (ushort[] Y, float[] YFloat) RunHalf(Accelerator accelerator, AcceleratorStream stream, TensorCoreTiling? tiling, ushort[] x,
        int rows, ushort[] w, float[]? b, int n, int k, int activation, float[]? r, bool inPlace, int? splitK = null, long? partials = null)
    {
        var kernel = new HalfLinearKernel(accelerator, tiling, splitK);
        var scratch = partials ?? (splitK is { } slices ? (long)slices * rows * n : HalfLinearKernel.PartialsLength(accelerator, rows, n, k));
        using var dp = accelerator.Allocate1D<float>(Math.Max(scratch, 1));
        using var dx = Upload(accelerator, x);
        using var dw = Upload(accelerator, w);
        using var db = Upload(accelerator, b ?? []);
        using var dr = Upload(accelerator, r ?? []);
        using var dy = accelerator.Allocate1D<ushort>(rows * n);
        using var df = inPlace ? Upload(accelerator, r!) : accelerator.Allocate1D<float>(rows * n);
        kernel.Launch(stream, dx.View, rows, dw.View, b is null ? null : db.View, n, k, activation,
            r is null ? null : inPlace ? df.View : dr.View, inPlace ? null : dy.View, df.View, scratch > 0 ? dp.View.SubView(0, scratch) : null);
        stream.Synchronize();
        return (dy.GetAsArray1D(), df.GetAsArray1D()[..(rows * n)]);
    }

    /// <summary>
    /// <see cref="Int8TensorLinearKernel"/> against <see cref="Int8LinearKernel"/> at the same shape: accumulation is
    /// exact integer arithmetic and the epilogue the same expression, so the outputs must agree bit for bit.
    /// </summary>
    public static void Int8Tensor(Accelerator accelerator, AcceleratorStream stream, Int8LinearKernel dp4a, TensorCoreTiling? tiling, int rows, int n,
        int k, int activation, bool residual)
    {
        var random = new Random(rows * 1000 + n * 10 + k);
        var x = Int8Packing.PackRows([.. Enumerable.Range(0, rows * k).Select(_ => (sbyte)random.Next(-127, 128))], rows, k);
        var w = Int8Packing.PackRows([.. Enumerable.Range(0, n * k).Select(_ => (sbyte)random.Next(-128, 128))], n, k);
        float[] Floats(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 0.02))];
        var (xs, ws, b) = (Floats(rows), Floats(n), Floats(n));
        var r = residual ? Floats(rows * n) : [];
        using var dx = Upload(accelerator, x);
        using var dw = Upload(accelerator, w);
        using var dxs = Upload(accelerator, xs);
        using var dws = Upload(accelerator, ws);
        using var db = Upload(accelerator, b);
        using var dr = Upload(accelerator, r);
        using var expected = accelerator.Allocate1D<float>(rows * n);
        using var actual = accelerator.Allocate1D<float>(rows * n);
        dp4a.Launch(stream, dx.View, dxs.View, rows, dw.View, dws.View, db.View, n, k, activation, residual ? dr.View : null, expected.View);
        new Int8TensorLinearKernel(accelerator, tiling).Launch(stream, dx.View, dxs.View, rows, dw.View, dws.View, db.View, n, k, activation,
            residual ? dr.View : null, actual.View);
        stream.Synchronize();
        Assert.Equal(expected.GetAsArray1D(), actual.GetAsArray1D());
    }

    /// <summary>fp16 bit patterns of uniform values in [−scale, scale).</summary>
    public static ushort[] RandomHalves(Random random, int length, float scale) =>
        [.. Enumerable.Range(0, length).Select(_ => (ushort)HalfBits.FromFloat((float)(random.NextDouble() * 2 - 1) * scale))];

    private static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Accelerator accelerator, T[] values) where T : unmanaged
    {
        var buffer = accelerator.Allocate1D<T>(Math.Max(values.Length, 1));
        buffer.View.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }
}
