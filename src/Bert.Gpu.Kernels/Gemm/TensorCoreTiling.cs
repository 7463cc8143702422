using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// How the tensor-core GEMMs (<see cref="HalfLinearKernel"/>, <see cref="Int8TensorLinearKernel"/>) split their output:
/// <see cref="WarpsM"/>×<see cref="WarpsN"/> warps per group, each computing a 32×32 warp tile (2×4 m16n8 mma tiles, 32
/// accumulators a lane), walking K in 64-byte steps staged in shared memory (double-buffered by <c>cp.async</c> on CUDA).
/// </summary>
/// <param name="WarpsM">Warps along the output rows.</param>
/// <param name="WarpsN">Warps along the output columns.</param>
public readonly record struct TensorCoreTiling(int WarpsM, int WarpsN)
{
    /// <summary>Rows and columns of each warp's tile; the PTX and the managed twin are unrolled by hand for exactly this.</summary>
    public const int WarpTile = 32;

    /// <summary>Depth of each K step in fp16 values: two m16n8k16 steps; the int8 kernel's steps are the same 64 bytes, two m16n8k32.</summary>
    public const int TileK = 32;

    /// <summary>
    /// Bytes per staged row of X or W: 32 halves (64 bytes) padded to 40 (80 bytes = 20 words ≡ 4 mod 8), so the eight
    /// row addresses of each <c>ldmatrix</c> 8×8 matrix fall in distinct 16-byte bank groups (offsets 5r mod 8).
    /// </summary>
    public const int RowBytes = 80;

    /// <summary>Floats per row of a warp's fp32 staging of its accumulators for the epilogue: 32 plus 8 of padding
    /// (40 ≡ 8 mod 32), so the 8-byte stores of a C fragment's half-warp hit distinct banks.</summary>
    public const int StagingStride = 40;

    /// <summary>Bytes of one warp's accumulator staging: 32 rows of <see cref="StagingStride"/> floats.</summary>
    public const int StagingBytes = WarpTile * StagingStride * sizeof(float);

    /// <summary>
    /// Shared memory the kernel allocates statically, in bytes: the largest <see cref="SharedBytes"/> of any allowed
    /// tiling (8 warps' staging, 40 KB), under the 48 KB ILGPU 1.5.3 can launch with.
    /// </summary>
    public const int MaxSharedBytes = 8 * StagingBytes;

    /// <summary>128×64 blocks of 8 warps (4×2): long sequences and large batches.</summary>
    public static TensorCoreTiling Large { get; } = new(4, 2);

    /// <summary>64×64 blocks of 4 warps (2×2).</summary>
    public static TensorCoreTiling Medium { get; } = new(2, 2);

    /// <summary>32×64 blocks of 2 warps (1×2): small batches, where bigger blocks leave multiprocessors idle.</summary>
    public static TensorCoreTiling Small { get; } = new(1, 2);

    /// <summary>Output rows per group.</summary>
    public int TileM => WarpsM * WarpTile;

    /// <summary>Output columns per group.</summary>
    public int TileN => WarpsN * WarpTile;

    /// <summary>Warps per group.</summary>
    public int Warps => WarpsM * WarpsN;

    /// <summary>Threads per group.</summary>
    public int Threads => Warps * 32;

    /// <summary>Bytes of one staged K step: <see cref="TileM"/> rows of X then <see cref="TileN"/> rows of W.</summary>
    public int StageBytes => (TileM + TileN) * RowBytes;

    /// <summary>
    /// Shared memory this tiling uses, in bytes: the most of two stages (CUDA), one stage plus each warp's
    /// <see cref="TensorCores.Mma16816.ScratchFloats"/> of emulation scratch (elsewhere), and the accumulator staging of
    /// the epilogue, which reuses the same bytes once the K loop is done.
    /// </summary>
    public int SharedBytes => System.Math.Max(System.Math.Max(2 * StageBytes, StageBytes + Warps * TensorCores.Mma16816.ScratchFloats * sizeof(float)),
        Warps * StagingBytes);

    /// <summary>
    /// The largest tiling whose grid still gives every multiprocessor two groups for an <paramref name="rows"/> ×
    /// <paramref name="outFeatures"/> output (latency hiding wants several resident groups; a bigger tile reuses each
    /// staged element more), <see cref="Small"/> when none does: BERT-base's 768 columns make 12 column blocks, so on a
    /// 132-multiprocessor H100 the 128-row tiles start at 2,816 tokens, the 64-row ones at 1,408.
    /// </summary>
    public static TensorCoreTiling For(Accelerator accelerator, int rows, int outFeatures)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var wanted = 2L * System.Math.Max(accelerator.NumMultiprocessors, 1);
        foreach (var t in new[] { Large, Medium })
            if ((long)KernelLimits.Groups(rows, t.TileM) * KernelLimits.Groups(outFeatures, t.TileN) >= wanted)
                return t;
        return Small;
    }
}
