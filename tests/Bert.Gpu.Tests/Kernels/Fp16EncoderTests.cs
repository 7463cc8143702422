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
/// twins, on the CPU emulator) against the host's fp32 encoder — on the fp16 pipeline (fp16 activations between kernels,
/// <see cref="HalfActivations"/>) and on the mixed path it falls back to — and how precision is resolved and refused.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Fp16EncoderTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    /// <summary>Hidden 64 in 2 heads: head dim 32, so the attention runs the tensor-core kernel too.</summary>
    private static readonly BertConfig FlashShape = TinyBert.Config with { HiddenSize = 64, NumHeads = 2, IntermediateSize = 128 };

    /// <summary>FlashShape with 32-wide embeddings projected to 64 (as ALBERT and ELECTRA do).</summary>
    private static readonly BertConfig ProjectedShape = FlashShape with { EmbeddingSize = 32, HasEmbeddingProjection = true };

    [Theory]
    [InlineData(true)]  // head dim 32: the fp16 pipeline, flash attention on fp16 Q, K, V
    [InlineData(false)] // head dim 8: no fp16 attention, so the mixed path: fp32 activations, fp16 GEMMs converting per call
    public void LastHiddenStateIsTheFp32HostsWithinFp16Rounding(bool flash)
    {
        var model = TinyBert.Create(config: flash ? FlashShape : null);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var fp16 = new BertEncoder(model, ilgpu, Precision.Fp16);
        Assert.Equal(Precision.Fp16, fp16.Precision);
        Assert.Equal(flash, fp16.HalfActivationsBetweenKernels);
        CheckAgainstFp32Host(model, fp16);
    }

    [Fact]
    public void TheFp16PipelineGivesTheMixedPathsRowsBitForBit()
    {
        // Both round each GEMM output to fp16 exactly once (the pipeline in the GEMM's epilogue, the mixed path when it
        // converts the next input), the context's fp16 → fp32 → fp16 round trip is exact, and the residual sums and
        // LayerNorm statistics are the same fp32 operations: so reused buffers and in-place residuals change no bit.
        var model = TinyBert.Create(config: FlashShape);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(3), [9, 40, 1, 23]));
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var pipeline = new BertEncoder(model, ilgpu, Precision.Fp16);
        using var mixed = new BertEncoder(model, ilgpu, Precision.Fp16, halfActivations: false);
        Assert.True(pipeline.HalfActivationsBetweenKernels);
        Assert.False(mixed.HalfActivationsBetweenKernels);
        var expected = new float[batch.TotalTokens * model.Config.HiddenSize];
        var actual = new float[expected.Length];
        mixed.LastHiddenState(batch, expected);
        pipeline.LastHiddenState(batch, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TheEmbeddingProjectionRunsOnTheFp16Pipeline()
    {
        var model = WithProjection(ProjectedShape, seed: 7);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var fp16 = new BertEncoder(model, ilgpu, Precision.Fp16);
        Assert.True(fp16.HalfActivationsBetweenKernels);
        CheckAgainstFp32Host(model, fp16);
    }

    [Fact]
    public void ClsOnlyLastLayerOnTheFp16PipelineIsTheWholeLastLayersFirstRows()
    {
        var model = TinyBert.Create(config: FlashShape);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(9), [5, 33, 2, 17]));
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var fp16 = new BertEncoder(model, ilgpu, Precision.Fp16);
        var width = model.Config.HiddenSize;
        var shortcut = new float[batch.Sequences * width];
        var whole = new float[shortcut.Length];
        fp16.Embed(batch, PoolingMode.Cls, normalize: true, shortcut);
        fp16.ClsOnlyLastLayer = false;
        fp16.Embed(batch, PoolingMode.Cls, normalize: true, whole);
        // The same fp32 rows are rounded to the same halves (HalfBits) and every row's GEMM sums run in the same order
        // whatever the number of rows, so the shortcut changes no bit.
        Assert.Equal(whole, shortcut);
        using var host = new HostBackend(threads: 2);
        using var fp32 = new BertEncoder(model, host);
        var expected = new float[shortcut.Length];
        fp32.Embed(batch, PoolingMode.Cls, normalize: true, expected);
        var worst = Enumerable.Range(0, batch.Sequences).Min(s => Reference.Cosine(expected.AsSpan(s * width, width), shortcut.AsSpan(s * width, width)));
        output.WriteLine($"worst CLS row cosine {worst:F7}");
        Assert.True(worst >= 0.99999, $"worst CLS row cosine {worst}");
    }

    [Fact]
    public void AnInt8ModelWithFp16KeepsFp32ActivationsBetweenItsInt8Layers()
    {
        var model = QuantizedModels.AllUnits(TinyBert.Create(config: FlashShape));
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var encoder = new BertEncoder(model, ilgpu, Precision.Fp16);
        Assert.False(encoder.HalfActivationsBetweenKernels);
        // The mixed path's budget by hand for FlashShape (64, 128): 4·(6·64 + 128) + 2·(128 + 4·64) = 2,048 + 768 B.
        Assert.Equal(2_816, encoder.ActivationBytesPerToken);
    }

    [Theory]
    [InlineData(Precision.Fp16)]
    [InlineData(Precision.Fp32)]
    public void TheWorkspaceAllocatesWhatTheBudgetCounts(Precision precision)
    {
        var model = TinyBert.Create(config: FlashShape);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var encoder = new BertEncoder(model, ilgpu, precision);
        var before = ilgpu.AllocatedBytes;
        encoder.Reserve(100);
        Assert.Equal(100 * encoder.ActivationBytesPerToken, ilgpu.AllocatedBytes - before);
        Assert.Equal(precision == Precision.Fp16, encoder.HalfActivationsBetweenKernels);
    }

    /// <summary>
    /// docs/BENCHMARKS.md's activation bytes a token: device memory after one forward pass of 64 tokens at MiniLM's widths
    /// (one layer), against the budget's formula; the batch's pooled id buffers come on top. About a minute a precision
    /// on the emulator, so only with <c>BERT_GPU_MEMORY_PROBE=1</c>.
    /// </summary>
    [SkippableTheory]
    [InlineData(Precision.Fp32, true)]
    [InlineData(Precision.Fp16, false)]
    [InlineData(Precision.Fp16, true)]
    public void AForwardPassAllocatesTheBudgetsBytesAToken(Precision precision, bool halfActivations)
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("BERT_GPU_MEMORY_PROBE") == "1", "set BERT_GPU_MEMORY_PROBE=1 to measure (minutes on the emulator)");
        const int tokens = 64;
        var config = TinyBert.MiniLmShape with { NumLayers = 1 };
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var encoder = new BertEncoder(TinyBert.Create(3, config), ilgpu, precision, halfActivations);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(1), [tokens], config.VocabSize));
        var before = ilgpu.AllocatedBytes;
        encoder.Reserve(tokens);
        encoder.LastHiddenState(batch, new float[tokens * config.HiddenSize]);
        var perToken = (ilgpu.AllocatedBytes - before) / (double)tokens;
        output.WriteLine($"{precision}, fp16 activations {encoder.HalfActivationsBetweenKernels}: {perToken:F1} B a token measured, {encoder.ActivationBytesPerToken} by the formula");
        Assert.InRange(perToken - encoder.ActivationBytesPerToken, 0, 128); // the batch's pooled id buffers (4 KB here: 64 B a token)
    }

    [Fact]
    public void CalibrationIsRefusedOnFp16Activations()
    {
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var encoder = new BertEncoder(TinyBert.Create(config: FlashShape), ilgpu, Precision.Fp16);
        var error = Assert.Throws<InvalidOperationException>(() => encoder.InputObserver = new Bert.Gpu.Calibration.UnitActivations(FlashShape));
        Assert.Contains("Precision.Fp32", error.Message);
    }

    [Fact]
    public void Fp16BuffersGoOnlyThroughFp16Weights()
    {
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        using var fp32 = ilgpu.UploadLinear(new Fp32Linear(new FloatTensor(new float[16], 2, 8), new FloatTensor(new float[2], 2)));
        using var x = ilgpu.AllocateHalf(8);
        using var y = ilgpu.Allocate(2);
        var error = Assert.Throws<ArgumentException>(() => ilgpu.Linear(x, 1, fp32, Activation.None, null, y));
        Assert.Contains("fp16 activations go only through fp16 weights", error.Message);
        using var host = new HostBackend(threads: 1);
        Assert.Contains("has no fp16 path", Assert.Throws<NotSupportedException>(() => host.AllocateHalf(8)).Message);
        // An fp32 buffer where fp16 is expected names both element types.
        using var weights = ilgpu.UploadLinear(Fp16Linear.From(new Fp32Linear(new FloatTensor(new float[16], 2, 8), new FloatTensor(new float[2], 2))));
        using var xs = ilgpu.Upload(new float[8]);
        var wrongCopy = Assert.Throws<ArgumentException>(() => ilgpu.Linear(xs, 1, weights, Activation.None, null, y, halfCopy: y));
        Assert.Contains("Expected a buffer of fp16 (AllocateHalf)", wrongCopy.Message);
        Assert.Contains("got one of fp32", wrongCopy.Message);
    }

    /// <summary>
    /// The encoder's last hidden state against the host's fp32 encoder's on one batch. Inputs and weights rounded to fp16
    /// (2⁻¹¹ ≈ 4.9e-4 relative each) through two layers, each ending in a LayerNorm that keeps the rows at unit scale.
    /// Measured on 2026-12-01 (machine A): worst token cosine 0.9999999+, max |Δ| 5.4e-4 on the fp16 pipeline (head dim 32),
    /// 1.3e-3 with the embedding projection (its 32-wide rows rounded to fp16 too), 5.0e-4 on the mixed path (head dim 8);
    /// the bounds are ten times the first and 4× the projection's. A wrong fragment or a dropped tile gives
    /// cosines near 0 and errors of O(1).
    /// </summary>
    private void CheckAgainstFp32Host(BertModel model, BertEncoder fp16)
    {
        var batch = new PackedBatch(TinyBert.Sequences(new Random(5), [1, 7, 37, 12]));
        using var host = new HostBackend(threads: 2);
        using var fp32 = new BertEncoder(model, host);
        var width = model.Config.HiddenSize;
        var expected = new float[batch.TotalTokens * width];
        var actual = new float[expected.Length];
        fp32.LastHiddenState(batch, expected);
        fp16.LastHiddenState(batch, actual);
        var worst = Enumerable.Range(0, batch.TotalTokens)
            .Min(t => Reference.Cosine(expected.AsSpan(t * width, width), actual.AsSpan(t * width, width)));
        var largest = Reference.MaxAbsDiff(expected, actual);
        output.WriteLine($"worst token cosine {worst:F7}, max |Δ| {largest:E2}");
        Assert.True(worst >= 0.99999, $"worst token cosine {worst}");
        Assert.True(largest <= 5e-3f, $"max |Δ| {largest}");
    }

    /// <summary>A random model of <paramref name="config"/> whose embeddings are <c>EmbeddingWidth</c> wide, with the projection to the hidden width.</summary>
    private static BertModel WithProjection(BertConfig config, int seed)
    {
        var tensors = RandomWeights.Create(config with { EmbeddingSize = 0, HasEmbeddingProjection = false }, seed);
        var random = new Random(seed + 1);
        int e = config.EmbeddingWidth, h = config.HiddenSize;
        FloatTensor Table(int rows, float scale) => new(RandomWeights.Uniform(random, rows * e, scale), rows, e);
        tensors[BertTensorNames.WordEmbeddings] = Table(config.VocabSize, 1f);
        tensors[BertTensorNames.PositionEmbeddings] = Table(config.MaxPositionEmbeddings, 0.5f);
        tensors[BertTensorNames.TokenTypeEmbeddings] = Table(config.TypeVocabSize, 0.5f);
        tensors[BertTensorNames.EmbeddingsLayerNormWeight] = new(RandomWeights.Uniform(random, e, 0.1f).Select(v => 1 + v).ToArray(), e);
        tensors[BertTensorNames.EmbeddingsLayerNormBias] = new(RandomWeights.Uniform(random, e, 0.1f), e);
        tensors[BertTensorNames.EmbeddingsProjection + ".weight"] = new(RandomWeights.Uniform(random, h * e, 1 / MathF.Sqrt(e)), h, e);
        tensors[BertTensorNames.EmbeddingsProjection + ".bias"] = new(RandomWeights.Uniform(random, h, 0.1f), h);
        var tiny = TinyBert.Create(seed, FlashShape);
        return new BertModel("random-projected", config, tensors, tiny.Tokenizer, PoolingMode.Mean, maxLength: config.MaxPositionEmbeddings);
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
    public void TheFp16BudgetsAreTheHandCheckedBytes()
    {
        // MiniLM (hidden 384, intermediate 1,536): 4·(6·384 + 1,536) = 15,360 B of fp32 activations a token; the mixed path
        // adds 2·(1,536 + 4·384) = 6,144 B of fp16 scratch; the fp16 pipeline needs 4·384 + 2·384 + 2·1,536 = 5,376 B.
        Assert.Equal(15_360, Workspace.BytesPerToken(TinyBert.MiniLmShape));
        Assert.Equal(15_360 + 6_144, Workspace.BytesPerToken(TinyBert.MiniLmShape, Precision.Fp16));
        Assert.Equal(5_376, HalfActivations.BytesPerToken(TinyBert.MiniLmShape));
        // BERT-base (768, 3,072): 4·768 + 2·768 + 2·max(2,304, 3,072) = 10,752 B; FlashShape (64, 128): 256 + 128 + 2·192 = 768 B.
        Assert.Equal(10_752, HalfActivations.BytesPerToken(TinyBert.MiniLmShape with { HiddenSize = 768, IntermediateSize = 3072 }));
        Assert.Equal(768, HalfActivations.BytesPerToken(FlashShape));
    }
}
