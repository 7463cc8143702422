using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// How <see cref="AttentionKernel"/> splits its work: a group of <see cref="Queries"/> threads, one query row each,
/// walks the keys of its (sequence, head) in tiles of <see cref="Keys"/> rows staged in shared memory.
/// </summary>
/// <param name="Queries">Threads (query rows) per group; a multiple of 32 keeps ILGPU's CPU emulator happy.</param>
/// <param name="Keys">Key and value rows per shared-memory tile.</param>
public readonly record struct AttentionTiling(int Queries, int Keys)
{
    /// <summary>
    /// Shared memory per group in floats for <paramref name="headDim"/>: the scaled queries and the output accumulators
    /// <c>[Queries][headDim + 1]</c> each (the padding puts each thread's row in its own bank), the K and V tiles
    /// <c>[Keys][headDim]</c> (read by every thread at once: broadcast), and the probabilities <c>[Queries][Keys + 1]</c>.
    /// </summary>
    public int SharedFloats(int headDim) => 2 * Queries * (headDim + 1) + 2 * Keys * headDim + Queries * (Keys + 1);

    /// <summary>
    /// Shared memory the kernel allocates statically (36.4 KB): what 32 queries × 32 keys take at head dim 64. Static,
    /// not dynamic, because PoCL 6 let concurrently running work-groups clobber each other's dynamic local memory.
    /// </summary>
    public const int MaxSharedFloats = 2 * 32 * 65 + 2 * 32 * 64 + 32 * 33;

    /// <summary>
    /// 32 queries × 32 keys (37 KB at head dim 64), halving the key tile, then the query block, until the group fits
    /// <see cref="MaxSharedFloats"/> and the accelerator's shared memory; 32 × 8 on ILGPU's CPU emulator, where smaller
    /// tiles exercise the online softmax across several tiles even in tiny tests.
    /// </summary>
    public static AttentionTiling For(Accelerator accelerator, int headDim)
    {
        var tiling = accelerator.AcceleratorType == AcceleratorType.CPU ? new AttentionTiling(32, 8) : new AttentionTiling(32, 32);
        var limit = System.Math.Min(MaxSharedFloats, accelerator.MaxSharedMemoryPerGroup / sizeof(float));
        while (tiling.SharedFloats(headDim) > limit && tiling.Keys > 8)
            tiling = tiling with { Keys = tiling.Keys / 2 };
        while (tiling.SharedFloats(headDim) > limit && tiling.Queries > 8)
            tiling = tiling with { Queries = tiling.Queries / 2 };
        return tiling;
    }
}
