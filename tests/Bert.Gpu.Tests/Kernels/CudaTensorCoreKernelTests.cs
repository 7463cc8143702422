using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Math;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The tensor-core GEMMs' PTX on a CUDA GPU (sm_80 or later) at BERT-base and MiniLM layer sizes, through the same
/// <see cref="TensorCoreChecks"/> the CPU emulator runs on the managed twins at tiny shapes: the first check of the asm
/// itself (fragment layouts, ldmatrix addressing, cp.async zero fill), which ptxas and the SASS cannot give. Each test
/// first passes <see cref="Int8DeviceAccelerator.Require"/>: skipped without the device, failed without it under
/// BERT_GPU_REQUIRE_CUDA. Not on OpenCL: there the managed twin emulates every mma through two barriers, far too slow
/// for these shapes on PoCL.
/// </summary>
[Trait("Category", "CUDA")]
[Collection(CudaDeviceCollection.Name)]
public sealed class CudaTensorCoreKernelTests(Int8CudaAccelerator device, ITestOutputHelper output) : IClassFixture<Int8CudaAccelerator>
{
    [SkippableTheory]
    [InlineData(256, 1152, 384, Activations.None, true, false)] // MiniLM QKV
    [InlineData(256, 1536, 384, Activations.Gelu, true, false)] // MiniLM FFN up
    [InlineData(256, 384, 1536, Activations.None, true, true)] // MiniLM FFN down, residual; 48 Small groups: split-K (6 on 132 SMs)
    [InlineData(4096, 768, 3072, Activations.None, true, true)] // BERT-base FFN down at 4k tokens: the Large tiling
    [InlineData(37, 53, 24, Activations.GeluTanh, false, true)] // odd edges in every block
    [InlineData(16, 768, 768, Activations.Relu, true, false)] // a 16-token batch: the Small tiling, split-K (6 slices on 108–132 SMs)
    public void HalfLinearMatchesDoubleReference(int rows, int n, int k, int activation, bool bias, bool residual)
    {
        var d = device.Require();
        TensorCoreChecks.HalfLinear(d.Accelerator, d.Stream, null, rows, n, k, activation, bias, residual);
        output.WriteLine($"{rows}×{n}×{k} on {d.Accelerator.Name}: tiling {TensorCoreTiling.For(d.Accelerator, rows, n)}, " +
                         $"split-K {TensorCoreTiling.SplitK(d.Accelerator.NumMultiprocessors, rows, n, k)}");
    }

    [SkippableTheory]
    [InlineData(256, 3072, 768, Activations.Gelu, false)] // BERT-base FFN up
    [InlineData(256, 768, 3072, Activations.None, true)] // BERT-base FFN down: |acc| beyond fp32's 2²⁴
    [InlineData(4096, 1152, 384, Activations.None, false)] // MiniLM QKV at 4k tokens: the Large tiling
    [InlineData(37, 53, 32, Activations.Relu, true)] // odd edges
    public void Int8TensorEqualsTheDp4aKernelBitForBit(int rows, int n, int k, int activation, bool residual)
    {
        var d = device.Require();
        TensorCoreChecks.Int8Tensor(d.Accelerator, d.Stream, d.Linear, null, rows, n, k, activation, residual);
        output.WriteLine($"{rows}×{n}×{k} on {d.Accelerator.Name}: tiling {TensorCoreTiling.For(d.Accelerator, rows, n)}");
    }
}
