using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Calibration;

/// <summary>
/// A model whose linear units are all int8 (static and dynamic activations) through the whole encoder: the host backend
/// against the reference encoder's int8 path, and the ILGPU backend on the CPU emulator against the host.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class QuantizedEncoderTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    private static readonly int[] Lengths = [1, 7, 33, 2];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void HostMatchesTheReferenceEncodersInt8Path(int threads)
    {
        var fp32 = TinyBert.Create();
        var model = QuantizedModels.AllUnits(fp32);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(5), Lengths));
        using var host = new HostBackend(threads);

        var actual = LastHiddenState(model, batch, host);
        var difference = Reference.MaxAbsDiff(ReferenceEncoder.LastHiddenState(model, batch), actual);
        var quantizationError = Reference.MaxAbsDiff(ReferenceEncoder.LastHiddenState(fp32, batch), actual);
        output.WriteLine($"{threads} thread(s): max |Δ| to the int8 reference {difference:g3}, to the fp32 reference {quantizationError:g3}");
        // Measured 7e-7. The bound leaves room for an fp32 rounding upstream that moves one activation across a code
        // boundary (one code is a scale, ≤ 0.02, times a weight, damped by the LayerNorms); a wrong scale, bias or
        // row is O(1e-2) and more.
        Assert.True(difference <= Tolerance, $"max |Δ| = {difference}");
        // The int8 path really ran: the fp32 model is a quantization error away (measured 2.3e-2), far beyond the bound.
        Assert.True(quantizationError > 20 * Tolerance, $"the int8 model gives the fp32 model's states (max |Δ| = {quantizationError})");
    }

    [Fact]
    public void IlgpuEmulatorMatchesTheHost()
    {
        var model = QuantizedModels.AllUnits(TinyBert.Create());
        var batch = new PackedBatch(TinyBert.Sequences(new Random(5), Lengths));
        using var host = new HostBackend(threads: 2);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        var difference = Reference.MaxAbsDiff(LastHiddenState(model, batch, host), LastHiddenState(model, batch, ilgpu));
        output.WriteLine($"max |Δ| = {difference:g3}");
        // Measured 9.5e-7: the same codes, sums and epilogue up to fp32 rounding.
        Assert.True(difference <= Tolerance, $"max |Δ| = {difference}");
    }

    private static float[] LastHiddenState(BertModel model, PackedBatch batch, Backends.IComputeBackend backend)
    {
        using var encoder = new BertEncoder(model, backend);
        var output = new float[batch.TotalTokens * model.Config.HiddenSize];
        encoder.LastHiddenState(batch, output);
        return output;
    }
}
