using Bert.Gpu.Backends;
using Bert.Gpu.Model;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The kernels at BERT-base and MiniLM layer sizes on an OpenCL device (the OpenCL lane's PoCL 6), held to the host
/// backend through the same <see cref="BackendParity"/> checks the CPU emulator runs at tiny shapes. Without a device
/// each test says so and passes: xunit 2 has no runtime skip.
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClDeviceCollection.Name)]
public class OpenClKernelTests(OpenClDevice opencl, ITestOutputHelper output)
{
    [Theory]
    [InlineData(256, 1152, 384, Activation.None, false)] // MiniLM QKV
    [InlineData(256, 1536, 384, Activation.Gelu, false)] // MiniLM FFN up
    [InlineData(256, 384, 1536, Activation.None, true)] // MiniLM FFN down + residual
    [InlineData(256, 3072, 768, Activation.Gelu, false)] // BERT-base FFN up
    [InlineData(256, 768, 3072, Activation.None, true)] // BERT-base FFN down + residual
    [InlineData(37, 53, 29, Activation.Gelu, true)] // odd edges
    [InlineData(128, 64, 32, Activation.None, false)] // two row blocks × two K slices: wrong on PoCL with dynamic shared memory
    public void LinearMatchesHost(int rows, int outFeatures, int inFeatures, Activation activation, bool residual) =>
        Check(b => BackendParity.Linear(b, opencl.Host, rows, outFeatures, inFeatures, activation, residual), 1e-4f,
            $"linear {rows}×{outFeatures}×{inFeatures} {activation}{(residual ? " +residual" : "")}");

    [Theory]
    [InlineData(new[] { 128, 128, 128, 128, 128, 128, 128, 128 }, 12, 64)] // BERT-base, 8 × 128
    [InlineData(new[] { 128, 1, 77, 33, 128 }, 12, 32)] // MiniLM heads, ragged
    [InlineData(new[] { 512, 3 }, 12, 64)] // the longest sequence BERT takes
    public void AttentionMatchesHost(int[] lengths, int heads, int headDim) =>
        Check(b => BackendParity.Attention(b, opencl.Host, lengths, heads, headDim), 1e-4f,
            $"attention [{string.Join(",", lengths)}] × {heads} × {headDim}");

    [Theory]
    [InlineData(256, 768)]
    [InlineData(256, 384)]
    public void LayerNormMatchesHost(int rows, int width) =>
        Check(b => BackendParity.LayerNorm(b, opencl.Host, rows, width), 1e-4f, $"layernorm {rows}×{width}");

    [Theory]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    public void PoolAndNormalizeMatchHost(PoolingMode mode) =>
        Check(b => BackendParity.Pool(b, opencl.Host, [128, 1, 77, 128], 768, mode, normalize: true), 1e-5f, $"pool {mode} + L2");

    [Fact]
    public void MiniLmShapedEncoderMatchesHost() =>
        Check(b => BackendParity.Encoder(b, opencl.Host, TinyBert.Create(7, TinyBert.MiniLmShape), [128, 64, 17, 1]), 1e-4f,
            "encoder at MiniLM-L6 shape, random weights");

    private void Check(Func<IComputeBackend, float> run, float tolerance, string what)
    {
        if (opencl.Backend is null)
        {
            output.WriteLine($"not run: {opencl.Missing}");
            return;
        }
        var started = DateTime.UtcNow;
        var difference = run(opencl.Backend);
        output.WriteLine($"{what} on {opencl.Backend.DeviceName}: max |Δ| = {difference:g3} in {(DateTime.UtcNow - started).TotalSeconds:f1} s");
        Assert.True(difference <= tolerance, $"{what}: max |Δ| = {difference} > {tolerance}");
    }
}
