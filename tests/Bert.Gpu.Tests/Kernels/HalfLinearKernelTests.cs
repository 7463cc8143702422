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
