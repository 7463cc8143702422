using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.Conversion;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Normalization;
using Bert.Gpu.Kernels.Pooling;
using Bert.Gpu.Kernels.Quantization;

namespace Bert.Gpu.Kernels.Catalog;

/// <summary>
/// Every kernel variant we ship: the one list that <c>kernels --emit-ptx</c> writes, the PTX lane assembles and checks,
/// and docs/KERNELS.md tabulates. A new kernel (or a second device method of one) is one row here.
/// </summary>
public static class KernelCatalog
{
    /// <summary>Every variant, in a fixed order (the table's).</summary>
    public static IReadOnlyList<KernelVariant> All { get; } =
    [
        new(typeof(LinearKernel), SassExpectations.Scalar),
        new(typeof(AttentionKernel), SassExpectations.Scalar),
        new(typeof(LayerNormKernel), SassExpectations.Scalar),
        new(typeof(EmbedLayerNormKernel), SassExpectations.Scalar),
        new(typeof(PoolKernel), SassExpectations.Scalar),
        new(typeof(L2NormalizeKernel), SassExpectations.Scalar),
        // 16 dp4a per k-step (the 4×4 tile); the 16 accumulators are inline-asm out operands, read out once: 64 bytes.
        new(typeof(Int8LinearKernel), SassExpectations.Scalar with { Dp4aPerStep = 16, StackBytes = 16 * sizeof(int) }),
        new(typeof(QuantizeRowsKernel), SassExpectations.Scalar),
        new(typeof(ToHalfKernel), SassExpectations.Scalar),
        new(typeof(FromHalfKernel), SassExpectations.Scalar),
        // mma.sync m16n8k16 / m16n8k32 on ldmatrix fragments staged by cp.async; fragments and accumulators in named PTX registers.
        new(typeof(HalfLinearKernel), SassExpectations.Scalar with { TensorCore = TensorCoreInstruction.Hmma, Ldmatrix = true, CpAsync = true }),
        // HalfLinearKernel's split-K second half: sums the K slices' fp32 partials, then the same epilogue.
        new(typeof(SplitKReduceKernel), SassExpectations.Scalar),
        new(typeof(Int8TensorLinearKernel), SassExpectations.Scalar with { TensorCore = TensorCoreInstruction.Imma, Ldmatrix = true, CpAsync = true }),
        // The CUDA entry point only: the managed twin (ManagedKernel, for the CPU accelerator and OpenCL) is another
        // method, never compiled for CUDA.
        new(typeof(FlashAttentionKernel), SassExpectations.Scalar with { TensorCore = TensorCoreInstruction.Hmma, Ldmatrix = true, CpAsync = true }),
    ];
}
