using ILGPU;

namespace Bert.Gpu.Kernels.Attention;

/// <summary>
/// Where one (sequence, head) of <see cref="FlashAttentionKernel"/> lives in the packed buffers, in halves: qkv rows of
/// <c>3·hidden</c> (<c>[q | k | v]</c>, the head at <paramref name="Column"/> within each third), context rows of
/// <paramref name="Hidden"/>. Reads of rows past the sequence are clamped to its last row, so every load is in bounds
/// and finite; what they feed is masked (keys) or never stored (queries).
/// </summary>
/// <param name="Start">First token of the sequence.</param>
/// <param name="Length">Tokens in the sequence (at least 1).</param>
/// <param name="Hidden">heads·headDim.</param>
/// <param name="Column">head·headDim.</param>
/// <param name="Q0">The group's first query row.</param>
internal readonly record struct FlashAttentionLayout(int Start, int Length, int Hidden, int Column, int Q0)
{
    /// <summary>
    /// The group's (sequence, head, query block) from the grid: sequences along x (limit 2³¹−1; CUDA caps y and z at
    /// 65,535), heads along y, query blocks along z.
    /// </summary>
    public static FlashAttentionLayout OfGroup(ArrayView<int> seqStarts, int heads, int headDim)
    {
        var start = seqStarts[Grid.IdxX];
        return new FlashAttentionLayout(start, seqStarts[Grid.IdxX + 1] - start, heads * headDim, Grid.IdxY * headDim, Grid.IdxZ * FlashAttentionTiling.Queries);
    }

    /// <summary>Whether the query block starts past the sequence's end (then the whole group has nothing to do).</summary>
    public bool Idle => Q0 >= Length;

    /// <summary>Query element (<paramref name="row"/>, <paramref name="column"/>) of the head.</summary>
    public long QueryIndex(int row, int column) => ((long)Start + Clamp(row)) * 3 * Hidden + Column + column;

    /// <summary>Key element (<paramref name="key"/>, <paramref name="column"/>); the value is <see cref="Hidden"/> further on.</summary>
    public long KeyIndex(int key, int column) => QueryIndex(key, column) + Hidden;

    /// <summary>Context element (<paramref name="row"/>, <paramref name="column"/>); only rows below <see cref="Length"/> may be written.</summary>
    public long OutputIndex(int row, int column) => ((long)Start + row) * Hidden + Column + column;

    private int Clamp(int row) => row < Length ? row : Length - 1;
}
