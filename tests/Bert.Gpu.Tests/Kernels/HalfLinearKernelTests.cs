using Bert.Gpu.Backends;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The tensor-core GEMM's managed twin (same tiles, warps and per-lane fragment ownership as the PTX, mma emulated) on
/// the CPU accelerator, against a double-precision reference from the same fp16 inputs, at shapes that cut every tile
/// short along M and N and take several K steps.
/// </summary>
/// <remarks>
/// Tolerance, per element with S = Σ_k |x_k·w_k|: fp16×fp16 products are exact in fp32 (11-bit significands), so the
/// accumulator's only error is fp32 summation of K terms, at most K·2⁻²⁴·S (the γ_K bound of recursive summation; the
/// order inside an mma is unspecified, which the bound covers). The activation's slope is at most 1.13 (GELU), and its
/// fp32 formula, the bias and the residual add a few ulp: 4·10⁻⁷·(1 + |act| + |y|). The fp16 output then adds its rounding, at most 2⁻¹¹ relative
/// (half an ulp of an 11-bit significand) or 2⁻²⁵ absolute below fp16's normal range. Shapes stay tiny: the CPU
/// accelerator runs every thread as an OS thread and the emulated mma costs two barriers.
/// </remarks>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class HalfLinearKernelTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(1, 2, 8, Activations.None, false, false)] // one row, one column pair, one short K step
    [InlineData(37, 70, 72, Activations.Gelu, true, true)] // 2×2 blocks, both cut short; K = 32 + 32 + 8
    [InlineData(33, 65, 40, Activations.GeluTanh, true, false)]
    [InlineData(5, 31, 32, Activations.Relu, false, true)] // one exact K step, N one short of a warp tile
    [InlineData(3, 9, 16, Activations.Tanh, true, true)]
    public void SmallTilingMatchesDoubleReference(int rows, int outFeatures, int inFeatures, int activation, bool bias, bool residual) =>
        Check(TensorCoreTiling.Small, rows, outFeatures, inFeatures, activation, bias, residual);

    [Theory]
    [InlineData(65, 33, 48, Activations.Gelu)] // Medium: two row blocks (64 + 1), one column block cut at 33
    public void MediumTilingMatchesDoubleReference(int rows, int outFeatures, int inFeatures, int activation) =>
        Check(TensorCoreTiling.Medium, rows, outFeatures, inFeatures, activation, bias: true, residual: true);

    [Fact]
    public void LargeTilingMatchesDoubleReference() =>
        // 8 warps: 130 rows are one full 128-row block and one of 2; 70 columns one full block and one of 6; K two steps.
        Check(TensorCoreTiling.Large, 130, 70, 40, Activations.Gelu, bias: true, residual: true);

    [Fact]
    public void ResidualMayBeTheOutputWithoutBiasOrFloatOutput()
    {
        const int rows = 3, n = 5, k = 8;
        var random = new Random(11);
        var x = RandomHalves(random, rows * k, 1f);
        var w = RandomHalves(random, n * k, 1f);
        var r = RandomHalves(random, rows * n, 1f);
        var expected = Run(TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, r, inPlace: false);
        var inPlace = Run(TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, r, inPlace: true);
        Assert.Equal(expected.Y, inPlace.Y);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(0)]
    public void RejectsKThatIsNotAMultipleOf8(int inFeatures)
    {
        var kernel = new HalfLinearKernel(cpu.Accelerator, TensorCoreTiling.Small);
        using var x = cpu.Accelerator.Allocate1D<ushort>(64);
        using var y = cpu.Accelerator.Allocate1D<ushort>(4);
        var error = Assert.Throws<ArgumentException>(() =>
            kernel.Launch(cpu.Stream, x.View, 2, x.View, null, 2, inFeatures, Activations.None, null, y.View, null));
        Assert.Contains($"K = {inFeatures} must be a positive multiple of 8", error.Message);
        Assert.Contains($"x [2, {inFeatures}]", error.Message);
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        var kernel = new HalfLinearKernel(cpu.Accelerator, TensorCoreTiling.Small);
        using var x = cpu.Accelerator.Allocate1D<ushort>(5 * 8);
        using var w = cpu.Accelerator.Allocate1D<ushort>(3 * 8);
        using var y = cpu.Accelerator.Allocate1D<ushort>(15);
        using var f = cpu.Accelerator.Allocate1D<float>(14);
        var error = Assert.Throws<ArgumentException>(() => kernel.Launch(cpu.Stream, x.View, 5, w.View, null, 3, 8, Activations.None, null, y.View, f.View));
        Assert.Contains("yFloat", error.Message);
        Assert.Contains("[5, 3]", error.Message);
    }

    [Fact]
    public void PicksTheLargestTileThatStillFillsTheMultiprocessorsTwice()
    {
        // Two groups for each multiprocessor: 128·2p rows of 64 columns make 2p Large groups; one Large row block fewer
        // leaves 2p − 1 of them but 2(2p − 1) Medium ones; 16 rows never fill the machine.
        var wanted = 2 * cpu.Accelerator.NumMultiprocessors;
        Assert.Equal(TensorCoreTiling.Large, TensorCoreTiling.For(cpu.Accelerator, 128 * wanted, 64));
        Assert.Equal(TensorCoreTiling.Medium, TensorCoreTiling.For(cpu.Accelerator, 128 * (wanted - 1), 64));
        Assert.Equal(TensorCoreTiling.Small, TensorCoreTiling.For(cpu.Accelerator, 16, 64));
        Assert.All(new[] { TensorCoreTiling.Small, TensorCoreTiling.Medium, TensorCoreTiling.Large },
            t => Assert.InRange(t.SharedBytes, 1, TensorCoreTiling.MaxSharedBytes));
    }

    private void Check(TensorCoreTiling tiling, int rows, int n, int k, int activation, bool bias, bool residual)
    {
        var random = new Random(rows * 10_000 + n * 100 + k);
        var x = RandomHalves(random, rows * k, 2f);
        var w = RandomHalves(random, n * k, 0.5f);
        var b = bias ? Reference.RandomVector(random, n) : null;
        var r = residual ? RandomHalves(random, rows * n, 1f) : null;
        var (y, yFloat) = Run(tiling, x, rows, w, b, n, k, activation, r, inPlace: false);
        for (var i = 0; i < rows; i++)
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
                var expected = activated + (r is null ? 0 : HalfBits.ToFloat(r[i * n + j]));
                var at = i * n + j;
                var floatBound = 1.13 * k * Math.Pow(2, -24) * magnitude + 4e-7 * (1 + Math.Abs(activated) + Math.Abs(expected));
                Assert.True(Math.Abs(yFloat[at] - expected) <= floatBound, $"({i}, {j}): fp32 {yFloat[at]} vs {expected} (bound {floatBound})");
                var halfBound = floatBound + Math.Pow(2, -11) * (Math.Abs(expected) + floatBound) + Math.Pow(2, -25);
                Assert.True(Math.Abs(HalfBits.ToFloat(y[at]) - expected) <= halfBound, $"({i}, {j}): fp16 {HalfBits.ToFloat(y[at])} vs {expected} (bound {halfBound})");
                Assert.Equal(HalfBits.FromFloat(yFloat[at]), y[at]); // the fp16 output is the fp32 one, rounded to nearest even
            }
    }

    private (ushort[] Y, float[] YFloat) Run(TensorCoreTiling tiling, ushort[] x, int rows, ushort[] w, float[]? b, int n, int k, int activation,
        ushort[]? r, bool inPlace)
    {
        // In place: the residual's buffer is the output, and no fp32 output (with no bias, no float view at all).
        var kernel = new HalfLinearKernel(cpu.Accelerator, tiling);
        using var dx = cpu.Upload(x);
        using var dw = cpu.Upload(w);
        using var db = cpu.Upload(b ?? []);
        using var dr = cpu.Upload(r ?? []);
        using var dy = inPlace ? cpu.Upload(r!) : cpu.Accelerator.Allocate1D<ushort>(rows * n);
        using var df = cpu.Accelerator.Allocate1D<float>(rows * n);
        kernel.Launch(cpu.Stream, dx.View, rows, dw.View, b is null ? null : db.View, n, k, activation,
            r is null ? null : inPlace ? dy.View : dr.View, dy.View, inPlace ? null : df.View);
        return (cpu.Download(dy, rows * n), cpu.Download(df, rows * n));
    }

    /// <summary>fp16 bit patterns of uniform values in [−scale, scale).</summary>
    private static ushort[] RandomHalves(Random random, int length, float scale) =>
        [.. Enumerable.Range(0, length).Select(_ => (ushort)HalfBits.FromFloat((float)(random.NextDouble() * 2 - 1) * scale))];
}
