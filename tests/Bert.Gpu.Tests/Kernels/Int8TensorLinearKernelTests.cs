using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The int8 tensor-core GEMM's managed twin on the CPU accelerator against <see cref="Int8LinearKernel"/> at the same
/// shapes, bit for bit (<see cref="TensorCoreChecks.Int8Tensor"/>): any slip in tiling, fragment ownership, edges or
/// staging shows as an unequal float.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Int8TensorLinearKernelTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(1, 2, 16, Activations.None, false)]
    [InlineData(37, 70, 144, Activations.Gelu, true)] // 2×2 Small blocks cut short; K = 64 + 64 + 16
    [InlineData(5, 33, 64, Activations.Relu, true)]
    public void SmallTilingEqualsTheDp4aKernel(int rows, int n, int k, int activation, bool residual) =>
        TensorCoreChecks.Int8Tensor(cpu.Accelerator, cpu.Stream, new Int8LinearKernel(cpu.Accelerator), TensorCoreTiling.Small, rows, n, k, activation, residual);

    [Fact]
    public void LargeTilingEqualsTheDp4aKernel() =>
        TensorCoreChecks.Int8Tensor(cpu.Accelerator, cpu.Stream, new Int8LinearKernel(cpu.Accelerator), TensorCoreTiling.Large, 130, 70, 80, Activations.GeluTanh, residual: true);

    [Fact]
    public void RejectsKThatDoesNotPackToWholeChunks()
    {
        var kernel = new Int8TensorLinearKernel(cpu.Accelerator, TensorCoreTiling.Small);
        using var words = cpu.Accelerator.Allocate1D<int>(64);
        using var floats = cpu.Accelerator.Allocate1D<float>(64);
        var error = Assert.Throws<ArgumentException>(() =>
            kernel.Launch(cpu.Stream, words.View, floats.View, 2, words.View, floats.View, floats.View, 2, 20, Activations.None, null, floats.View));
        Assert.Contains("K = 20 int8 packs to 5 words", error.Message);
    }
}
