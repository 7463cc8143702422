namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// The fixed work split of <see cref="FlashAttentionKernel"/>: a group of <see cref="Warps"/> warps takes
/// <see cref="Queries"/> query rows of one (sequence, head), 16 per warp (the M of one <c>mma.m16n8k16</c>), and walks
/// the sequence's keys in blocks of <see cref="Keys"/>, each block's K and V rows staged in shared memory as fp16.
/// </summary>
public static class FlashAttentionTiling
{
    /// <summary>Warps per group.</summary>
    public const int Warps = 4;

    /// <summary>Threads per group.</summary>
    public const int Threads = Warps * 32;

    /// <summary>Query rows per group: 16 per warp.</summary>
    public const int Queries = Warps * 16;

    /// <summary>
    /// Keys per block: eight n8 score tiles per warp, 32 fp32 accumulators a lane, which become the four k16 steps of
    /// P·V.
    /// </summary>
    public const int Keys = 64;

    /// <summary>
    /// Halves between consecutive rows of a K or V tile: the head dim plus 8. 72 halves (144 bytes, 36 words) at head
    /// dim 64 and 40 (80 bytes, 20 words) at 32 are ≡ 4 words mod 8, so the eight 16-byte rows one <c>ldmatrix</c>
    /// phase reads fall in distinct bank quads (conflict-free), and every row starts 16-byte aligned as
    /// <c>ldmatrix</c> and <c>cp.async</c> need.
    /// </summary>
    public static int RowHalves(int headDim) => headDim + 8;

    /// <summary>Bytes of one K (or V) tile: <see cref="Keys"/> rows of <see cref="RowHalves"/> halves (9,216 at head dim 64).</summary>
    public static int TileBytes(int headDim) => Keys * RowHalves(headDim) * 2;

    /// <summary>Bytes of one stage, a K tile then a V tile (18,432 at head dim 64).</summary>
    public static int StageBytes(int headDim) => 2 * TileBytes(headDim);

    /// <summary>
    /// Byte offset in a stage of the K row <paramref name="lane"/> hands <c>ldmatrix.x4</c> (lanes 8m…8m + 7 address the
    /// rows of matrix m): key <c>lane &amp; 7</c>, dims <c>8·(lane &gt;&gt; 3)</c> on, so one x4 reads 8 keys × 32 dims.
    /// </summary>
    public static int KeyLaneBytes(int lane, int headDim) => (lane & 7) * RowHalves(headDim) * 2 + 16 * (lane >> 3);

    /// <summary>
    /// Byte offset in a stage of the V row <paramref name="lane"/> hands <c>ldmatrix.x4.trans</c>: key <c>lane</c> of the
    /// V tile, so one x4 reads 32 keys × 8 dims.
    /// </summary>
    public static int ValueLaneBytes(int lane, int headDim) => TileBytes(headDim) + lane * RowHalves(headDim) * 2;

    /// <summary>
    /// Static shared memory of the CUDA path: two stages at head dim 64 (36,864 bytes, under the 48 KB ILGPU 1.5.3 can
    /// give a group), so block b + 1 arrives by <c>cp.async</c> while block b is computed.
    /// </summary>
    public const int SharedBytes = 2 * 2 * Keys * (64 + 8) * 2;

    /// <summary>Whether the kernel has a specialization for <paramref name="headDim"/>: 32 (MiniLM) and 64 (BERT-base).</summary>
    public static bool Supports(int headDim) => headDim is 32 or 64;
}
