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
/// <remarks>Tolerances: <see cref="TensorCoreChecks.HalfLinear"/>. Shapes stay tiny: the CPU accelerator runs every thread as an OS thread and the emulated mma costs two barriers.</remarks>
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
        TensorCoreChecks.HalfLinear(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, rows, outFeatures, inFeatures, activation, bias, residual);

    [Theory]
    [InlineData(65, 33, 48, Activations.Gelu)] // Medium: two row blocks (64 + 1), one column block cut at 33
    public void MediumTilingMatchesDoubleReference(int rows, int outFeatures, int inFeatures, int activation) =>
        TensorCoreChecks.HalfLinear(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Medium, rows, outFeatures, inFeatures, activation, bias: true, residual: true);

    [Fact]
    public void LargeTilingMatchesDoubleReference() =>
        // 8 warps: 130 rows are one full 128-row block and one of 2; 70 columns one full block and one of 6; K two steps.
        TensorCoreChecks.HalfLinear(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Large, 130, 70, 40, Activations.Gelu, bias: true, residual: true);

    [Fact]
    public void ResidualMayBeTheFloatOutputWithoutBiasOrHalfOutput()
    {
        const int rows = 3, n = 5, k = 8;
        var random = new Random(11);
        var x = TensorCoreChecks.RandomHalves(random, rows * k, 1f);
        var w = TensorCoreChecks.RandomHalves(random, n * k, 1f);
        var r = Reference.RandomVector(random, rows * n);
        var expected = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, r, inPlace: false);
        var inPlace = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, r, inPlace: true);
        Assert.Equal(expected.YFloat, inPlace.YFloat);
    }

    [Theory]
    [InlineData(2, 5, 70, 72, Activations.Gelu, true, true)] // K steps 3 → slices of 2 + 1 (the last 8 wide); two column blocks
    [InlineData(3, 33, 9, 136, Activations.Tanh, true, false)] // 5 steps → 2 + 2 + 1; two row blocks
    [InlineData(3, 3, 31, 72, Activations.Relu, false, true)] // 3 steps → 1 + 1 + 1
    [InlineData(2, 37, 65, 40, Activations.GeluTanh, true, true)] // 2 steps → 1 + 1 (32 + 8 of K); 2×2 blocks, all cut short
    public void SplitKMatchesDoubleReference(int splitK, int rows, int outFeatures, int inFeatures, int activation, bool bias, bool residual) =>
        TensorCoreChecks.HalfLinear(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, rows, outFeatures, inFeatures, activation, bias, residual, splitK);

    [Fact]
    public void SplitKWithMediumTilesMatchesDoubleReference() =>
        // 65 rows: two 64-row blocks, the second of one row; 3 K steps in 2 slices.
        TensorCoreChecks.HalfLinear(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Medium, 65, 33, 72, Activations.Gelu, bias: true, residual: true, splitK: 2);

    [Fact]
    public void SplitKEqualsUnsplitWithinFp32Reordering()
    {
        // Both orders are within γ_K·Σ|x·w| of the exact sum (TensorCoreChecks.HalfLinear), so within twice that of each
        // other; GELU's slope (≤ 1.13) carries it through, the bias and residual add a few ulp.
        const int rows = 7, n = 20, k = 136;
        var random = new Random(5);
        var x = TensorCoreChecks.RandomHalves(random, rows * k, 2f);
        var w = TensorCoreChecks.RandomHalves(random, n * k, 0.5f);
        var b = Reference.RandomVector(random, n);
        var r = Reference.RandomVector(random, rows * n);
        var whole = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, b, n, k, Activations.Gelu, r, inPlace: false, splitK: 1);
        var split = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, b, n, k, Activations.Gelu, r, inPlace: false, splitK: 3);
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < n; j++)
            {
                var magnitude = 0.0;
                for (var kk = 0; kk < k; kk++)
                    magnitude += Math.Abs((double)HalfBits.ToFloat(x[i * k + kk]) * HalfBits.ToFloat(w[j * k + kk]));
                var at = i * n + j;
                var bound = 2 * 1.13 * k * Math.Pow(2, -24) * magnitude + 8e-7 * (1 + Math.Abs(whole.YFloat[at]));
                Assert.True(Math.Abs(split.YFloat[at] - whole.YFloat[at]) <= bound, $"({i}, {j}): split {split.YFloat[at]} vs {whole.YFloat[at]} (bound {bound})");
            }
    }

    [Fact]
    public void SplitKResidualMayBeTheFloatOutput()
    {
        const int rows = 3, n = 5, k = 72;
        var random = new Random(13);
        var x = TensorCoreChecks.RandomHalves(random, rows * k, 1f);
        var w = TensorCoreChecks.RandomHalves(random, n * k, 1f);
        var b = Reference.RandomVector(random, n);
        var r = Reference.RandomVector(random, rows * n);
        var expected = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, b, n, k, Activations.Relu, r, inPlace: false, splitK: 2);
        var inPlace = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, b, n, k, Activations.Relu, r, inPlace: true, splitK: 2);
        Assert.Equal(expected.YFloat, inPlace.YFloat);
    }

    [Theory]
    [InlineData(0)] // no partials view
    [InlineData(2 * 3 * 5 - 1)] // one float short of [2, 3, 5]
    public void SplitKWithoutEnoughPartialsRunsUnsplit(long partials)
    {
        const int rows = 3, n = 5, k = 72;
        var random = new Random(17);
        var x = TensorCoreChecks.RandomHalves(random, rows * k, 1f);
        var w = TensorCoreChecks.RandomHalves(random, n * k, 1f);
        var whole = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, null, inPlace: false, splitK: 1);
        var fallback = TensorCoreChecks.RunHalf(cpu.Accelerator, cpu.Stream, TensorCoreTiling.Small, x, rows, w, null, n, k, Activations.None, null, inPlace: false,
            splitK: 2, partials: partials);
        Assert.Equal(whole.YFloat, fallback.YFloat);
        Assert.Equal(whole.Y, fallback.Y);
    }

    [Theory]
    [InlineData(16, 384, 384, 3)] // MiniLM, 16 tokens: 6 groups want 44 slices; 12 K steps allow 3 of 4
    [InlineData(16, 384, 1536, 12)] // 48 steps: 12 slices of 4
    [InlineData(256, 384, 1536, 6)] // MiniLM FFN down, 256 tokens: 48 groups, 6 slices of 8 steps → 288 groups
    [InlineData(32, 768, 3072, 20)] // BERT-base FFN down, 32 tokens: 12 groups want 22; slices of ⌈96/22⌉ = 5 steps make 20
    [InlineData(16, 384, 96, 1)] // 3 K steps: under two slices of 4
    [InlineData(256, 1152, 384, 1)] // MiniLM QKV, 256 tokens: 8 × 18 = 144 groups ≥ 132
    [InlineData(4096, 768, 3072, 1)] // 4k tokens: the Large tiling fills the machine
    [InlineData(0, 384, 384, 1)] // no rows, no groups
    public void SplitKOn132MultiprocessorsIsAsDocumented(int rows, int outFeatures, int inFeatures, int slices) =>
        Assert.Equal(slices, TensorCoreTiling.SplitK(132, rows, outFeatures, inFeatures));

    [Fact]
    public void SlicesAreNeverEmpty()
    {
        Assert.Equal((2, 2), (TensorCoreTiling.StepsPerSlice(3, 2), TensorCoreTiling.Slices(3, 2))); // 2 + 1
        Assert.Equal((1, 3), (TensorCoreTiling.StepsPerSlice(3, 5), TensorCoreTiling.Slices(3, 5))); // 5 asked, 3 steps
        Assert.Equal((3, 4), (TensorCoreTiling.StepsPerSlice(12, 5), TensorCoreTiling.Slices(12, 5))); // 3 + 3 + 3 + 3, not a fifth of 0
        Assert.Equal((7, 1), (TensorCoreTiling.StepsPerSlice(7, 1), TensorCoreTiling.Slices(7, 1)));
    }

    [Fact]
    public void OneMultiprocessorNeverSplits()
    {
        // A single group already fills it: the emulator (one multiprocessor) asks for no partials even at 1 row × 4,096 of K.
        Assert.Equal(1, TensorCoreTiling.SplitK(1, 1, 2, 4096));
        Assert.Equal(1, cpu.Accelerator.NumMultiprocessors);
        Assert.Equal(0, HalfLinearKernel.PartialsLength(cpu.Accelerator, 1, 2, 4096));
    }

    [Fact]
    public void RejectsNoKSlices()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HalfLinearKernel(cpu.Accelerator, TensorCoreTiling.Small, splitK: 0));
        Assert.Equal("splitK", error.ParamName);
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
}
