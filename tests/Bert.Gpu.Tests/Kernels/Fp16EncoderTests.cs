using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The encoder with <see cref="Precision.Fp16"/> on the ILGPU backend (the tensor-core GEMM's and attention's managed
/// twins, on the CPU emulator) against the host's fp32 encoder, and how precision is resolved and refused.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Fp16EncoderTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    /// <summary>Hidden 64 in 2 heads: head dim 32, so the attention runs the tensor-core kernel too.</summary>
    private static readonly BertConfig FlashShape = TinyBert.Config with { HiddenSize = 64, NumHeads = 2, IntermediateSize = 128 };

    [Theory]
    [InlineData(true)]  // head dim 32: flash attention on fp16 Q, K, V
    [InlineData(false)] // head dim 8: the fp32 attention kernel, fp16 GEMMs only
    public void LastHiddenStateIsTheFp32HostsWithinFp16Rounding(bool flash)
    {
        var model = TinyBert.Create(config: flash ? FlashShape : null);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(5), [1, 7, 37, 12]));
        using var host = new HostBackend(threads: 2);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var fp32 = new BertEncoder(model, host);
        using var fp16 = new BertEncoder(model, ilgpu, Precision.Fp16);
        var width = model.Config.HiddenSize;
        var expected = new float[batch.TotalTokens * width];
        var actual = new float[expected.Length];
        fp32.LastHiddenState(batch, expected);
        fp16.LastHiddenState(batch, actual);

        // Inputs and weights rounded to fp16 (2⁻¹¹ ≈ 4.9e-4 relative each) through two layers, each ending in a LayerNorm
        // that keeps the rows at unit scale: measured worst token cosine 0.9999995+ and max |Δ| 5.4e-4 (head dim 32) and
        // 5.0e-4 (head dim 8) on 2026-12-01; the bounds are ten times that. A wrong fragment or a dropped tile gives
        // cosines near 0 and errors of O(1).
        var worst = Enumerable.Range(0, batch.TotalTokens)
            .Min(t => Reference.Cosine(expected.AsSpan(t * width, width), actual.AsSpan(t * width, width)));
        var largest = Reference.MaxAbsDiff(expected, actual);
        output.WriteLine($"worst token cosine {worst:F6}, max |Δ| {largest:E2}");
        Assert.Equal(Precision.Fp16, fp16.Precision);
        Assert.True(worst >= 0.99999, $"worst token cosine {worst}");
        Assert.True(largest <= 5e-3f, $"max |Δ| {largest}");
    }

    [Fact]
    public void AutoIsFp32OffCuda_AndFp16IsRefusedWhereThereIsNoPath()
    {
        var model = TinyBert.Create();
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var host = new HostBackend(threads: 1);
        using (var auto = new BertEncoder(model, ilgpu, Precision.Auto))
            Assert.Equal(Precision.Fp32, auto.Precision);
        Assert.True(ilgpu.Supports(LinearFormat.Fp16));
        var error = Assert.Throws<NotSupportedException>(() => new BertEncoder(model, host, Precision.Fp16));
        Assert.Contains("has no fp16 path", error.Message);
    }

    [Fact]
    public void TheFp16BudgetCountsItsScratch()
    {
        // MiniLM: 15,360 B of fp32 activations a token, plus 2·(1,536 + 4·384) = 6,144 B of fp16 scratch.
        Assert.Equal(15_360, Workspace.BytesPerToken(TinyBert.MiniLmShape));
        Assert.Equal(15_360 + 6_144, Workspace.BytesPerToken(TinyBert.MiniLmShape, Precision.Fp16));
    }
}
