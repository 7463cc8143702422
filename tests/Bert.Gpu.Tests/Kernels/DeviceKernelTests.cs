using Bert.Gpu.Tests.Support;
using Bert.Gpu.Backends;
using Bert.Gpu.Model;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The kernels at BERT-base and MiniLM layer sizes on a device, held to the host backend through the same
/// <see cref="BackendParity"/> checks the CPU emulator runs at tiny shapes, and to a double-precision reference on the
/// <see cref="AdversarialNumerics"/> inputs. Each test first passes <see cref="DeviceFixture.Require"/>: skipped without
/// the device, failed without it under the device's REQUIRE variable.
/// </summary>
public abstract class DeviceKernelTests(DeviceFixture device, ITestOutputHelper output)
{
    /// <summary>Device vs host on random inputs at the encoder's scales (the lane's op tolerance since day one).</summary>
    private const float OpTolerance = 1e-4f;

    [SkippableTheory]
    [InlineData(256, 1152, 384, Activation.None, false)] // MiniLM QKV
    [InlineData(256, 1536, 384, Activation.Gelu, false)] // MiniLM FFN up
    [InlineData(256, 384, 1536, Activation.None, true)] // MiniLM FFN down + residual
    [InlineData(256, 3072, 768, Activation.Gelu, false)] // BERT-base FFN up
    [InlineData(256, 768, 3072, Activation.None, true)] // BERT-base FFN down + residual
    [InlineData(37, 53, 29, Activation.Gelu, true)] // odd edges
    [InlineData(128, 64, 32, Activation.None, false)] // two row blocks × two K slices: wrong on PoCL with dynamic shared memory
    [InlineData(256, 3072, 768, Activation.GeluTanh, false)] // ALBERT-base FFN up (gelu_new)
    [InlineData(37, 53, 29, Activation.Relu, true)] // DistilBERT-style relu, odd edges
    public void LinearMatchesHost(int rows, int outFeatures, int inFeatures, Activation activation, bool residual) =>
        Check(b => BackendParity.Linear(b, device.Host, rows, outFeatures, inFeatures, activation, residual), OpTolerance,
            $"linear {rows}×{outFeatures}×{inFeatures} {activation}{(residual ? " +residual" : "")}");

    [SkippableTheory]
    [InlineData(256, 1152, 384, Activation.None, false, null)] // MiniLM QKV, dynamic
    [InlineData(256, 1536, 384, Activation.Gelu, false, 0.01f)] // MiniLM FFN up, static (clips |x| > 1.27)
    [InlineData(256, 384, 1536, Activation.None, true, null)] // MiniLM FFN down + residual
    [InlineData(256, 768, 3072, Activation.None, true, 0.02f)] // BERT-base FFN down + residual, static
    [InlineData(37, 53, 29, Activation.Gelu, true, null)] // odd edges
    [InlineData(37, 53, 29, Activation.GeluTanh, true, 0.02f)] // gelu_new, static
    [InlineData(37, 53, 29, Activation.Relu, false, null)] // relu
    public void Int8LinearMatchesHost(int rows, int outFeatures, int inFeatures, Activation activation, bool residual, float? staticScale) =>
        Check(b => BackendParity.Int8Linear(b, device.Host, rows, outFeatures, inFeatures, activation, residual, staticScale), OpTolerance,
            $"int8 linear {rows}×{outFeatures}×{inFeatures} {activation}{(residual ? " +residual" : "")} {(staticScale is { } s ? $"static {s}" : "dynamic")}");

    [SkippableTheory]
    [InlineData(new[] { 128, 128, 128, 128, 128, 128, 128, 128 }, 12, 64)] // BERT-base, 8 × 128
    [InlineData(new[] { 128, 1, 77, 33, 128 }, 12, 32)] // MiniLM heads, ragged
    [InlineData(new[] { 512, 3 }, 12, 64)] // the longest sequence BERT takes
    public void AttentionMatchesHost(int[] lengths, int heads, int headDim) =>
        Check(b => BackendParity.Attention(b, device.Host, lengths, heads, headDim), OpTolerance,
            $"attention [{string.Join(",", lengths)}] × {heads} × {headDim}");

    [SkippableTheory]
    [InlineData(256, 768)]
    [InlineData(256, 384)]
    [InlineData(256, 383)] // not a multiple of the 128-thread group: the last pass has 127 active threads
    [InlineData(256, 385)] // one column past it: a pass with a single active thread
    public void LayerNormMatchesHost(int rows, int width) =>
        Check(b => BackendParity.LayerNorm(b, device.Host, rows, width), OpTolerance, $"layernorm {rows}×{width}");

    [SkippableTheory]
    [InlineData(PoolingMode.Cls, 768)]
    [InlineData(PoolingMode.Mean, 768)]
    [InlineData(PoolingMode.Max, 768)]
    [InlineData(PoolingMode.Mean, 383)] // a last group of 128 columns with 127 in range
    [InlineData(PoolingMode.Max, 385)] // a last group with one
    [InlineData(PoolingMode.Cls, 385)]
    public void PoolAndNormalizeMatchHost(PoolingMode mode, int width) =>
        Check(b => BackendParity.Pool(b, device.Host, [128, 1, 77, 128], width, mode, normalize: true), 1e-5f, $"pool {mode} × {width} + L2");

    [SkippableFact]
    public void MiniLmShapedEncoderMatchesHost() =>
        Check(b => BackendParity.Encoder(b, device.Host, TinyBert.Create(7, TinyBert.MiniLmShape), [128, 64, 17, 1]), OpTolerance,
            "encoder at MiniLM-L6 shape, random weights");

    /// <summary>
    /// The fp16 pipeline at MiniLM's shape (random weights; on OpenCL the tensor-core kernels' managed twins, on CUDA
    /// their PTX): the mixed path's rows bit for bit — each GEMM output is rounded to fp16 once either way, in the
    /// epilogue or by the next conversion — and the host's fp32 rows within fp16 rounding, cosine ≥ 0.9995 per token (the
    /// issue's bound; the CPU emulator measured 0.9999999 at tiny shapes, Fp16EncoderTests).
    /// </summary>
    [SkippableFact]
    public void MiniLmShapedFp16PipelineIsTheMixedPathsAndTheHostsWithinFp16()
    {
        var backend = device.Require();
        Skip.IfNot(backend.Supports(LinearFormat.Fp16), $"{backend.DeviceName} has no fp16 path");
        var model = TinyBert.Create(7, TinyBert.MiniLmShape);
        var batch = new Gpu.Encoder.PackedBatch(TinyBert.Sequences(new Random(8), [128, 64, 17, 1], model.Config.VocabSize));
        float[] LastHiddenState(Gpu.Encoder.BertEncoder encoder)
        {
            var rows = new float[batch.TotalTokens * model.Config.HiddenSize];
            encoder.LastHiddenState(batch, rows);
            encoder.Dispose();
            return rows;
        }

        var started = DateTime.UtcNow;
        var pipeline = new Gpu.Encoder.BertEncoder(model, backend, Precision.Fp16);
        Assert.True(pipeline.HalfActivationsBetweenKernels);
        var halves = LastHiddenState(pipeline);
        var mixed = LastHiddenState(new Gpu.Encoder.BertEncoder(model, backend, Precision.Fp16, halfActivations: false));
        var host = LastHiddenState(new Gpu.Encoder.BertEncoder(model, device.Host));
        var width = model.Config.HiddenSize;
        var worst = Enumerable.Range(0, batch.TotalTokens).Min(t => Reference.Cosine(host.AsSpan(t * width, width), halves.AsSpan(t * width, width)));
        output.WriteLine($"fp16 pipeline at MiniLM shape on {backend.DeviceName}: max |Δ| to the mixed path {Reference.MaxAbsDiff(mixed, halves):g3}, " +
                         $"to the fp32 host {Reference.MaxAbsDiff(host, halves):g3}, worst token 1 − cos {1 - worst:g3}, in {(DateTime.UtcNow - started).TotalSeconds:f1} s");
        Assert.Equal(mixed, halves);
        Assert.True(worst >= 0.9995, $"worst token cosine {worst}");
    }

    /// <summary>
    /// Int8 at MiniLM's shape, every unit, static and dynamic. The ops agree to 4e-7 (<see cref="Int8LinearMatchesHost"/>),
    /// but the fp32 ops' rounding differences move activations that sit on a code boundary by a whole code, and random
    /// weights amplify that through six layers: the check is that the backends differ by well under what int8 itself
    /// changes against fp32 (PoCL: 0.028 against 0.117; a wrong scale, row or bias is as large as int8's own error or larger).
    /// </summary>
    [SkippableFact]
    public void MiniLmShapedInt8EncoderMatchesHost()
    {
        var backend = device.Require();
        var fp32 = TinyBert.Create(7, TinyBert.MiniLmShape);
        var int8 = QuantizedModels.AllUnits(fp32);
        int[] lengths = [128, 64, 17, 1];
        var between = BackendParity.Encoder(backend, device.Host, int8, lengths);
        var int8Cost = BackendParity.Encoder(device.Host, int8, device.Host, fp32, lengths);
        output.WriteLine($"int8 encoder at MiniLM-L6 shape on {backend.DeviceName}: max |Δ| to the host {between:g3}, host int8 to fp32 {int8Cost:g3}");
        Assert.True(between <= 0.4 * int8Cost, $"max |Δ| = {between} between backends, int8 against fp32 {int8Cost}");
    }

    [SkippableFact]
    public void ClsOnlyLastLayerGivesTheWholeLayersEmbeddings()
    {
        var backend = device.Require();
        var model = TinyBert.Create(7, TinyBert.MiniLmShape);
        int[] lengths = [128, 64, 17, 1];
        var whole = Encoder.ClsOnlyLastLayerTests.Embed(backend, model, lengths, clsOnly: false);
        var cut = Encoder.ClsOnlyLastLayerTests.Embed(backend, model, lengths, clsOnly: true);
        var difference = Reference.MaxAbsDiff(whole, cut);
        output.WriteLine($"CLS-only last layer at MiniLM shape on {backend.DeviceName}: max |Δ| to the whole layer {difference:g3}");
        Assert.True(difference == 0, $"max |Δ| = {difference}: every op works row by row, so the cut must not change a bit");
    }

    [SkippableFact]
    public void AttentionSurvivesLogitsBeyondExpRange() =>
        Check(b => AdversarialNumerics.AttentionLogitsBeyondExpRange(b, OpTolerance));

    [SkippableTheory]
    [InlineData(384)]
    [InlineData(385)]
    public void LayerNormOfConstantRowsIsBeta(int width) => Check(b => AdversarialNumerics.ConstantLayerNormRows(b, width, OpTolerance));

    [SkippableFact]
    public void LinearWithLargeMagnitudesStaysWithinTheFp32Bound() =>
        Check(b => AdversarialNumerics.LargeMagnitudeLinear(b, 70, 131, 300));

    [SkippableTheory]
    [InlineData(768)]
    [InlineData(385)]
    public void MaxPoolOfNegativeColumnsIsExact(int width) => Check(b => AdversarialNumerics.MaxPoolOfNegativeColumns(b, width));

    [SkippableTheory]
    [MemberData(nameof(FamilyCases))]
    public void FamilyMatchesPyTorch(string name) =>
        Check(b =>
        {
            var checkpoint = Families.FamilyCheckpoint.Load(name);
            var model = Bert.Gpu.Weights.HuggingFaceModelLoader.Load(checkpoint.Folder);
            return Reference.MaxAbsDiff(checkpoint.Expected["last_hidden_state"], Families.FamilyOracleTests.LastHiddenState(model, b, checkpoint.Batch));
        }, OpTolerance, $"family {name}, last hidden state vs PyTorch");

    [SkippableTheory]
    [MemberData(nameof(HeadCases))]
    public void HeadMatchesPyTorch(string name) =>
        Check(b => Families.HeadOracleTests.WorstDifference(name, b, output), OpTolerance, $"head {name}, logits vs PyTorch");

    public static TheoryData<string> FamilyCases => Families.FamilyOracleTests.Cases;

    public static TheoryData<string> HeadCases => Families.HeadOracleTests.Cases;

    private void Check(Func<IComputeBackend, float> run, float tolerance, string what)
    {
        var backend = device.Require();
        var started = DateTime.UtcNow;
        var difference = run(backend);
        output.WriteLine($"{what} on {backend.DeviceName}: max |Δ| = {difference:g3} in {(DateTime.UtcNow - started).TotalSeconds:f1} s");
        Assert.True(difference <= tolerance, $"{what}: max |Δ| = {difference} > {tolerance}");
    }

    private void Check(Func<IComputeBackend, NumericsVerdict> run)
    {
        var backend = device.Require();
        var verdict = run(backend);
        output.WriteLine($"{verdict} on {backend.DeviceName}");
        Assert.True(verdict.Holds, verdict.ToString());
    }
}

/// <summary>The device kernel tests on OpenCL (the OpenCL lane's PoCL 6).</summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClDeviceCollection.Name)]
public sealed class OpenClKernelTests(OpenClDevice opencl, ITestOutputHelper output) : DeviceKernelTests(opencl, output);

/// <summary>The device kernel tests on CUDA (the lent GPU machine, bench/gpu/run.sh).</summary>
[Trait("Category", "CUDA")]
[Collection(CudaDeviceCollection.Name)]
public sealed class CudaKernelTests(CudaDevice cuda, ITestOutputHelper output) : DeviceKernelTests(cuda, output);
