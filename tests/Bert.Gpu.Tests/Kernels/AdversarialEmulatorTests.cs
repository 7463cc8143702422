using Bert.Gpu.Backends.Ilgpu;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The ILGPU kernels on ILGPU's CPU emulator (its tilings: 32×32 GEMM blocks with 8-deep K slices, 8-key attention
/// tiles, 32-thread rows) on the <see cref="AdversarialNumerics"/> inputs, against double-precision references. The
/// device tests run the same checks with the GPU tilings.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class AdversarialEmulatorTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    [Fact]
    public void AttentionSurvivesLogitsBeyondExpRange() => Holds(b => AdversarialNumerics.AttentionLogitsBeyondExpRange(b, 1e-5));

    [Theory]
    [InlineData(383)] // 11 full passes of 32 threads and one of 31
    [InlineData(37)]
    public void LayerNormOfConstantRowsIsBeta(int width) => Holds(b => AdversarialNumerics.ConstantLayerNormRows(b, width, 1e-5));

    [Fact]
    public void LinearWithLargeMagnitudesStaysWithinTheFp32Bound() => Holds(b => AdversarialNumerics.LargeMagnitudeLinear(b, 37, 53, 45));

    [Theory]
    [InlineData(37)]
    [InlineData(65)]
    public void MaxPoolOfNegativeColumnsIsExact(int width) => Holds(b => AdversarialNumerics.MaxPoolOfNegativeColumns(b, width));

    private void Holds(Func<IlgpuBackend, NumericsVerdict> check)
    {
        using var backend = new IlgpuBackend(cpu.Accelerator);
        var verdict = check(backend);
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Holds, verdict.ToString());
    }
}
