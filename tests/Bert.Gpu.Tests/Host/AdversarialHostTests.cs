using Bert.Gpu.Backends.Host;
using Bert.Gpu.Tests.Kernels;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Host;

/// <summary>The host backend (the devices' reference) on the <see cref="AdversarialNumerics"/> inputs, against double-precision references.</summary>
public class AdversarialHostTests(ITestOutputHelper output) : IDisposable
{
    private readonly HostBackend _backend = new(threads: 2);

    [Fact]
    public void AttentionSurvivesLogitsBeyondExpRange() => Holds(AdversarialNumerics.AttentionLogitsBeyondExpRange(_backend, 1e-5));

    [Theory]
    [InlineData(384)]
    [InlineData(383)] // not a multiple of the 8-wide vectors: a scalar tail
    [InlineData(37)]
    public void LayerNormOfConstantRowsIsBeta(int width) => Holds(AdversarialNumerics.ConstantLayerNormRows(_backend, width, 1e-5));

    [Theory]
    [InlineData(37, 53, 600)] // three K slices of 256, the last partial
    [InlineData(130, 96, 45)] // two row blocks of 72, 6 panels of 16
    public void LinearWithLargeMagnitudesStaysWithinTheFp32Bound(int rows, int outFeatures, int inFeatures) =>
        Holds(AdversarialNumerics.LargeMagnitudeLinear(_backend, rows, outFeatures, inFeatures));

    [Theory]
    [InlineData(37)]
    [InlineData(385)]
    public void MaxPoolOfNegativeColumnsIsExact(int width) => Holds(AdversarialNumerics.MaxPoolOfNegativeColumns(_backend, width));

    private void Holds(NumericsVerdict verdict)
    {
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Holds, verdict.ToString());
    }

    public void Dispose()
    {
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }
}
