using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Bert.Gpu.Kernels.Gemm;
using static Bert.Gpu.Kernels.Attention.FlashAttentionTiling;

namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// <see cref="AttentionKernel"/> on tensor cores: <c>context = softmax(q·kᵀ/√d)·v</c> within each sequence of a packed,
/// padding-free batch, reading fp16 q, k and v (16-bit patterns, see <see cref="TensorCores.HalfBits"/>) from one
/// fused <c>[tokens, 3·heads·headDim]</c> buffer (rows <c>[q | k | v]</c>) and writing fp16
/// <c>[tokens, heads·headDim]</c>. One group of 4 warps per (sequence, head, 64-query block), 16 query rows a warp;
/// keys in blocks of 64: S = Q·Kᵀ and O += P·V with <c>mma.m16n8k16</c> (fp16 in, fp32 accumulate), the softmax
/// online in fp32 registers, no <c>[heads, length, length]</c> scores anywhere. Head dims 32 and 64.
/// </summary>
/// <remarks>
/// On CUDA the work is inline PTX (<see cref="FlashAttentionPtx"/>): Q fragments loaded once, K and V tiles brought in
/// by <c>cp.async</c> two stages deep and read with <c>ldmatrix</c>. Elsewhere <see cref="FlashAttentionManaged"/> does
/// the same with the same tiles (one stage), warps and per-lane fragments, emulating each <c>mma</c> through warp
/// scratch, so the addressing and edges are tested on the CPU accelerator. Any sequence length works; BERT's is at
/// most 512.
/// </remarks>
public sealed class FlashAttentionKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<int>, ArrayView<ushort>, FlashAttentionShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    public FlashAttentionKernel(Accelerator accelerator)
    {
        _accelerator = accelerator;
        KernelLimits.Check(accelerator, nameof(FlashAttentionKernel), Threads, SharedBytes / sizeof(float));
        _kernel = accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadKernel<ArrayView<ushort>, ArrayView<int>, ArrayView<ushort>, FlashAttentionShape>(Kernel)
            : accelerator.LoadKernel<ArrayView<ushort>, ArrayView<int>, ArrayView<ushort>, FlashAttentionShape>(ManagedKernel);
    }

    /// <summary>Queues the attention of every sequence and head on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="qkv">Fused fp16 projections <c>[tokens, 3·heads·headDim]</c>; on CUDA 16-byte aligned.</param>
    /// <param name="seqStarts">First row of each sequence, then the token count: <c>[sequences + 1]</c>.</param>
    /// <param name="sequences">Number of sequences.</param>
    /// <param name="tokens">Rows in the batch.</param>
    /// <param name="maxLength">Length of the longest sequence (sizes the grid; longer sequences would be cut short).</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="headDim">Width of one head: 32 or 64.</param>
    /// <param name="context">Output fp16 <c>[tokens, heads·headDim]</c>; on CUDA 4-byte aligned.</param>
    public void Launch(AcceleratorStream stream, ArrayView<ushort> qkv, ArrayView<int> seqStarts, int sequences, int tokens,
        int maxLength, int heads, int headDim, ArrayView<ushort> context)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (!Supports(headDim))
            throw new ArgumentOutOfRangeException(nameof(headDim), $"Head dim {headDim}: the tensor-core attention has specializations for 32 and 64 only.");
        var hidden = heads * headDim;
        Shapes.Require(qkv, (long)tokens * 3 * hidden, nameof(qkv), $"[{tokens}, {3 * hidden}]");
        Shapes.Require(seqStarts, sequences + 1, nameof(seqStarts), $"[{sequences + 1}]");
        Shapes.Require(context, (long)tokens * hidden, nameof(context), $"[{tokens}, {hidden}]");
        if (sequences == 0 || maxLength == 0)
            return;

        // The PTX addresses global memory through raw device pointers (ILGPU cannot turn a view into one in a kernel);
        // the managed path never reads them. cp.async reads qkv in 16-byte chunks; the context takes f16x2 stores.
        var qkvAddress = TensorCoreLaunch.GlobalAddress(_accelerator, qkv, nameof(qkv));
        var contextAddress = TensorCoreLaunch.GlobalAddress(_accelerator, context, nameof(context), alignment: 4);
        var config = new KernelConfig(
            // Sequences along x, whose limit is 2³¹−1 (CUDA caps y and z at 65535); heads along y, query blocks along z.
            new Index3D(sequences, heads, KernelLimits.Groups(maxLength, Queries)),
            new Index3D(Threads, 1, 1));
        var scale = 1f / MathF.Sqrt(headDim);
        _kernel(stream, config, qkv, seqStarts, context, new FlashAttentionShape(heads, headDim, scale, qkvAddress, contextAddress));
    }

    /// <summary>The CUDA kernel: everything inline PTX, guarded (any other backend would throw on or drop the asm).</summary>
    private static void Kernel(ArrayView<ushort> qkv, ArrayView<int> seqStarts, ArrayView<ushort> context, FlashAttentionShape s)
    {
        if (!CudaAsm.IsSupported)
            return;
        int tid = Group.IdxX, lane = tid & 31, warp = tid >> 5, d = s.HeadDim;
        var rowBytes = RowHalves(d) * 2;
        // Named registers and the shared tile are declared before any statement names them.
        CudaAsm.Emit(FlashAttentionPtx.Declare, KeyLaneBytes(lane, d), ValueLaneBytes(lane, d));
        var layout = FlashAttentionLayout.OfGroup(seqStarts, s.Heads, d);
        // Uniform across the group (before any barrier): blocks past a short sequence's end have nothing to do.
        if (layout.Idle)
            return;
        int length = layout.Length, q0 = layout.Q0;

        // Lane (g, t) holds rows g and g + 8 of its warp's 16 and columns 2t, 2t + 1 of each 8-column tile. Rows past
        // the sequence read its last row (finite, never stored), so no load needs a predicate.
        int g = lane >> 2, t = lane & 3;
        var rowA = q0 + 16 * warp + g;
        var rowB = rowA + 8;
        var qA = s.Qkv + 2 * (ulong)layout.QueryIndex(rowA, 2 * t);
        var qB = s.Qkv + 2 * (ulong)layout.QueryIndex(rowB, 2 * t);
        CudaAsm.Emit(FlashAttentionPtx.LoadQuery, qA, qB);
        if (d == 64)
            CudaAsm.Emit(FlashAttentionPtx.LoadQueryHigh, qA, qB);

        // Iteration b issues the copies of block b into stage b & 1, then computes block b − 1 from the other stage
        // while they land. Stage b & 1 last held block b − 2, whose computation ended in a barrier; one extra
        // iteration drains the pipeline.
        var chunksPerRow = d / 8;
        var blocks = KernelLimits.Groups(length, Keys);
        var exp2Scale = s.Scale * 1.44269504f; // log₂e: exp(x) = 2^(x·log₂e), and ex2 is one instruction
        for (var b = 0; b <= blocks; b++)
        {
            if (b < blocks)
            {
                var stage = (b & 1) * StageBytes(d);
                for (var chunk = tid; chunk < Keys * chunksPerRow; chunk += Threads)
                {
                    var key = chunk / chunksPerRow;
                    var column = 8 * (chunk - key * chunksPerRow);
                    var source = s.Qkv + 2 * (ulong)layout.KeyIndex(b * Keys + key, column);
                    var target = stage + key * rowBytes + 2 * column;
                    CudaAsm.Emit(FlashAttentionPtx.CopyChunks, target, target + TileBytes(d), source, source + 2 * (ulong)layout.Hidden);
                }
                CudaAsm.Emit(FlashAttentionPtx.Commit);
            }
            if (b == 0)
                continue;

            if (b < blocks)
                CudaAsm.Emit(FlashAttentionPtx.WaitAllButNewest);
            else
                CudaAsm.Emit(FlashAttentionPtx.WaitAll);
            Group.Barrier(); // every thread's copies of block b − 1 are in shared memory
            var computed = ((b - 1) & 1) * StageBytes(d);
            var k0 = (b - 1) * Keys;
            if (d == 64)
                CudaAsm.Emit(FlashAttentionPtx.Scores64, computed);
            else
                CudaAsm.Emit(FlashAttentionPtx.Scores32, computed);
            if (k0 + Keys > length)
                CudaAsm.Emit(FlashAttentionPtx.Mask, length - k0 - 2 * t);
            CudaAsm.Emit(FlashAttentionPtx.Softmax, exp2Scale);
            CudaAsm.Emit(FlashAttentionPtx.Rescale);
            if (d == 64)
            {
                CudaAsm.Emit(FlashAttentionPtx.RescaleHigh);
                CudaAsm.Emit(FlashAttentionPtx.Values64, computed);
            }
            else
            {
                CudaAsm.Emit(FlashAttentionPtx.Values32, computed);
            }
            Group.Barrier(); // the next iteration's copies overwrite this stage
        }

        var oA = s.Context + 2 * (ulong)layout.OutputIndex(rowA, 2 * t);
        var oB = s.Context + 2 * (ulong)layout.OutputIndex(rowB, 2 * t);
        CudaAsm.Emit(FlashAttentionPtx.Normalize, rowA < length ? 1 : 0, rowB < length ? 1 : 0);
        CudaAsm.Emit(FlashAttentionPtx.Store, oA, oB);
        if (d == 64)
            CudaAsm.Emit(FlashAttentionPtx.StoreHigh, oA, oB);
    }

    /// <summary>
    /// The kernel of every other backend: <see cref="FlashAttentionManaged"/>. A separate entry point because ILGPU keeps
    /// a dead branch's shared and local allocations in the PTX and ptxas counts them: behind a <c>CudaAsm.IsSupported</c>
    /// branch the managed path's 25,088 bytes of shared memory and 384 bytes of local arrays put one combined kernel at
    /// 61,952 bytes of shared memory (over the 48 KB limit) with a 384-byte stack frame.
    /// </summary>
    private static void ManagedKernel(ArrayView<ushort> qkv, ArrayView<int> seqStarts, ArrayView<ushort> context, FlashAttentionShape s)
    {
        var layout = FlashAttentionLayout.OfGroup(seqStarts, s.Heads, s.HeadDim);
        if (!layout.Idle)
            FlashAttentionManaged.Run(qkv, context, layout, s.HeadDim, s.Scale, Group.IdxX);
    }
}

/// <summary>The scalar arguments: raw device addresses of qkv and context for the PTX (0 elsewhere).</summary>
internal readonly record struct FlashAttentionShape(int Heads, int HeadDim, float Scale, ulong Qkv, ulong Context);
