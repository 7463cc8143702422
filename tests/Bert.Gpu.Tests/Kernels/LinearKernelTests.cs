using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class LinearKernelTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(37, 53, 29, false, false)]
    [InlineData(37, 53, 29, true, true)]
    [InlineData(1, 1, 1, false, true)]
    [InlineData(2, 3, 1, true, false)]
    [InlineData(1, 5, 40, true, true)]
    public void MatchesNaiveReference(int rows, int outFeatures, int inFeatures, bool gelu, bool residual)
    {
        var (expected, actual) = Run(new LinearKernel(cpu.Accelerator), rows, outFeatures, inFeatures, gelu, residual);
        Assert.True(Reference.MaxAbsDiff(expected, actual) < 2e-5f * MathF.Sqrt(inFeatures));
    }

    [Theory]
    [InlineData(13)] // one K slice, deeper than K
    [InlineData(45)] // two full 16-deep slices and a partial one of 13
    public void GpuTilingMatchesNaiveReference(int inFeatures)
    {
        // The tiling CUDA and OpenCL launch with (64×64 blocks): 131 columns are two full blocks and one of 3, 70 rows
        // one full block and one of 6, so every block but one is partial along M or N.
        var (expected, actual) = Run(new LinearKernel(cpu.Accelerator, GemmTiling.Device), 70, 131, inFeatures, true, true);
        Assert.True(Reference.MaxAbsDiff(expected, actual) < 2e-5f * MathF.Sqrt(inFeatures));
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        var kernel = new LinearKernel(cpu.Accelerator);
        using var x = cpu.Accelerator.Allocate1D<float>(10);
        using var w = cpu.Accelerator.Allocate1D<float>(6);
        using var b = cpu.Accelerator.Allocate1D<float>(3);
        using var y = cpu.Accelerator.Allocate1D<float>(8);
        var error = Assert.Throws<ArgumentException>(() => kernel.Launch(cpu.Stream, x.View, 5, w.View, b.View, 3, 2, Activations.None, null, y.View));
        Assert.Contains("[5, 3]", error.Message);
    }

    private (float[] Expected, float[] Actual) Run(LinearKernel kernel, int rows, int outFeatures, int inFeatures, bool gelu, bool residual)
    {
        var random = new Random(rows * 1000 + outFeatures * 10 + inFeatures);
        var x = Reference.RandomVector(random, rows * inFeatures);
        var w = Reference.RandomVector(random, outFeatures * inFeatures, 0.5f);
        var b = Reference.RandomVector(random, outFeatures);
        var r = residual ? Reference.RandomVector(random, rows * outFeatures) : null;
        var expected = Reference.Linear(x, rows, w, b, outFeatures, gelu, r);

        using var dx = cpu.Upload(x);
        using var dw = cpu.Upload(w);
        using var db = cpu.Upload(b);
        using var dr = cpu.Upload(r ?? []);
        using var dy = cpu.Accelerator.Allocate1D<float>(rows * outFeatures);
        kernel.Launch(cpu.Stream, dx.View, rows, dw.View, db.View, outFeatures, inFeatures, gelu ? Activations.Gelu : Activations.None, residual ? dr.View : null, dy.View);
        return (expected, cpu.Download(dy, rows * outFeatures));
    }
}
