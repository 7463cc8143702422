using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The int8 tensor-core GEMM's managed twin on the CPU accelerator against <see cref="Int8LinearKernel"/> at the same
/// shapes: accumulation is exact integer arithmetic and the epilogue the same expression, so the outputs must agree bit
/// for bit — any slip in tiling, fragment ownership, edges or staging shows as an unequal float.
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
        Check(TensorCoreTiling.Small, rows, n, k, activation, residual);

    [Fact]
    public void LargeTilingEqualsTheDp4aKernel() => Check(TensorCoreTiling.Large, 130, 70, 80, Activations.GeluTanh, residual: true);

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

    private void Check(TensorCoreTiling tiling, int rows, int n, int k, int activation, bool residual)
    {
        var random = new Random(rows * 1000 + n * 10 + k);
        var x = Int8Packing.PackRows([.. Enumerable.Range(0, rows * k).Select(_ => (sbyte)random.Next(-127, 128))], rows, k);
        var w = Int8Packing.PackRows([.. Enumerable.Range(0, n * k).Select(_ => (sbyte)random.Next(-128, 128))], n, k);
        float[] Floats(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 0.02))];
        var (xs, ws, b) = (Floats(rows), Floats(n), Floats(n));
        var r = residual ? Floats(rows * n) : [];
        using var dx = cpu.Upload(x);
        using var dw = cpu.Upload(w);
        using var dxs = cpu.Upload(xs);
        using var dws = cpu.Upload(ws);
        using var db = cpu.Upload(b);
        using var dr = cpu.Upload(r);
        using var expected = cpu.Accelerator.Allocate1D<float>(rows * n);
        using var actual = cpu.Accelerator.Allocate1D<float>(rows * n);
        new Int8LinearKernel(cpu.Accelerator).Launch(cpu.Stream, dx.View, dxs.View, rows, dw.View, dws.View, db.View, n, k, activation,
            residual ? dr.View : null, expected.View);
        new Int8TensorLinearKernel(cpu.Accelerator, tiling).Launch(cpu.Stream, dx.View, dxs.View, rows, dw.View, dws.View, db.View, n, k, activation,
            residual ? dr.View : null, actual.View);
        Assert.Equal(cpu.Download(expected, rows * n), cpu.Download(actual, rows * n));
    }
}
