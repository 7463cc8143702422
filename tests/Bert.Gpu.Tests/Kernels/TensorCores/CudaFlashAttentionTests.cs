using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core attention's CUDA path on a GPU (mma.sync, ldmatrix, cp.async for real) against the double-precision
/// reference, at the tiny case and at encoder shapes: MiniLM (12 heads × 32) and BERT-base (12 × 64) over a packed batch
/// with a full 512-token sequence. Skipped without a CUDA device, failed without it under its REQUIRE variable.
/// </summary>
[Trait("Category", "CUDA")]
[Collection(CudaDeviceCollection.Name)]
public sealed class CudaFlashAttentionTests(FlashAttentionCudaAccelerator cuda, ITestOutputHelper output) : IClassFixture<FlashAttentionCudaAccelerator>
{
    [SkippableTheory]
    [InlineData(32, 2, new[] { 1, 7, 37, 70 })]
    [InlineData(64, 2, new[] { 1, 7, 37, 70 })]
    [InlineData(32, 12, new[] { 512, 1, 129, 300 })] // MiniLM
    [InlineData(64, 12, new[] { 512, 1, 129, 300 })] // BERT-base
    public void MatchesDoublePrecisionSoftmaxOnTheGpu(int headDim, int heads, int[] lengths)
    {
        var (accelerator, kernel) = cuda.Require();
        var c = FlashAttentionCase.Make(headDim, heads, lengths);
        using var qkv = accelerator.Allocate1D(c.Qkv);
        using var seqStarts = accelerator.Allocate1D(c.Starts);
        using var context = accelerator.Allocate1D<ushort>(c.Tokens * c.Hidden);
        context.MemSetToZero();
        kernel.Launch(accelerator.DefaultStream, qkv.View, seqStarts.View, lengths.Length, c.Tokens, lengths.Max(), heads, headDim, context.View);
        accelerator.Synchronize();
        c.Check(context.GetAsArray1D(), output);
    }
}

/// <summary>The first CUDA GPU with the tensor-core attention compiled for it, or why there is none.</summary>
public sealed class FlashAttentionCudaAccelerator : IDisposable
{
    private readonly Context? _context;
    private readonly Accelerator? _accelerator;
    private readonly FlashAttentionKernel? _kernel;
    private readonly string? _missing = DeviceRequirement.Probe(TestDevice.Cuda);

    public FlashAttentionCudaAccelerator()
    {
        if (_missing is not null)
            return;
        _context = Context.Create(b => b.Cuda().EnableAlgorithms());
        _accelerator = _context.GetCudaDevices()[0].CreateAccelerator(_context);
        _kernel = new FlashAttentionKernel(_accelerator);
    }

    /// <summary>The accelerator and kernel, after <see cref="DeviceRequirement.Require"/>: a test without the GPU stops here.</summary>
    public (Accelerator Accelerator, FlashAttentionKernel Kernel) Require()
    {
        DeviceRequirement.Require(TestDevice.Cuda, _missing);
        return (_accelerator!, _kernel!);
    }

    public void Dispose()
    {
        _accelerator?.Dispose();
        _context?.Dispose();
    }
}
