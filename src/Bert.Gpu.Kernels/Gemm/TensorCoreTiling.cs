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

    /// <summary>The tilings <see cref="For"/> tries before <see cref="Small"/>, once, not an array per launch.</summary>
    private static readonly TensorCoreTiling[] LargestFirst = [Large, Medium];

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
    /// Shared memory this tiling uses, in bytes: the most of two stages (CUDA), one stage plus each warp's emulation
    /// scratch (elsewhere: the larger of the fp16 kernel's <see cref="TensorCores.Mma16816.ScratchFloats"/> and the int8
    /// kernel's <see cref="TensorCores.Mma16832.ScratchInts"/>, both 4-byte words), and the accumulator staging of the
    /// epilogue, which reuses the same bytes once the K loop is done.
    /// </summary>
    public int SharedBytes => System.Math.Max(System.Math.Max(2 * StageBytes, StageBytes + Warps * ScratchWords * sizeof(float)),
        Warps * StagingBytes);

    private const int ScratchWords = TensorCores.Mma16816.ScratchFloats > TensorCores.Mma16832.ScratchInts
        ? TensorCores.Mma16816.ScratchFloats : TensorCores.Mma16832.ScratchInts;

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
        foreach (var t in LargestFirst)
            if ((long)KernelLimits.Groups(rows, t.TileM) * KernelLimits.Groups(outFeatures, t.TileN) >= wanted)
                return t;
        return Small;
    }

    /// <summary>The fewest K steps <see cref="SplitK"/> gives a slice (128 of K): below that the pipeline's first copy, the
    /// partials' round trip and the reduce outweigh the weight bandwidth a wider grid gains.</summary>
    public const int MinStepsPerSlice = 4;

    /// <summary>
    /// How many K slices (split-K) an fp16 GEMM of <paramref name="rows"/> × <paramref name="outFeatures"/> ×
    /// <paramref name="inFeatures"/> runs as on <paramref name="multiprocessors"/> multiprocessors: 1 (the fused,
    /// single-kernel path) unless even <see cref="Small"/> tiles leave fewer groups than multiprocessors; then the fewest
    /// slices that reach two groups per multiprocessor, as long as each slice keeps <see cref="MinStepsPerSlice"/> steps
    /// (slices of ⌈steps / S⌉ steps, the last possibly shorter, none empty). At small M the weight read is the whole
    /// cost and a handful of groups reads it through a handful of SMs. On a 132-SM H100: MiniLM's 16 tokens × 384 × 384
    /// make 6 groups, want 44 slices, K's 12 steps allow 3 → 18 groups; 16 × 384 × 1536 → 12 slices of 4 steps, 72
    /// groups; 256 × 384 × 1536 (FFN down) 48 groups → 6 slices, 288; BERT-base 32 × 768 × 3072 12 groups, want 22, 96
    /// steps make slices of 5 → 20 slices, 240 groups; 256 × 1152 (144 groups) and anything of 4,096 tokens → 1. Only
    /// where <see cref="For"/> picks <see cref="Small"/> (fewer Small groups than multiprocessors leave Medium and Large
    /// under two each). The partials then take S·M·N floats: under 3 · 2,048 per multiprocessor (S·groups &lt; 3 SMs'
    /// worth of 32 × 64 blocks), 3.2 MB on 132 SMs.
    /// </summary>
    public static int SplitK(int multiprocessors, int rows, int outFeatures, int inFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        var sms = System.Math.Max(multiprocessors, 1);
        var groups = (long)KernelLimits.Groups(rows, Small.TileM) * KernelLimits.Groups(outFeatures, Small.TileN);
        if (groups == 0 || groups >= sms)
            return 1;
        var steps = KernelLimits.Groups(inFeatures, TileK);
        var wanted = (int)System.Math.Min((2L * sms + groups - 1) / groups, steps / MinStepsPerSlice);
        return wanted <= 1 ? 1 : Slices(steps, wanted);
    }

    /// <summary>K steps per slice when <paramref name="steps"/> are cut into (at most) <paramref name="slices"/>: ⌈steps / slices⌉.</summary>
    public static int StepsPerSlice(int steps, int slices) => KernelLimits.Groups(steps, System.Math.Max(slices, 1));

    /// <summary>
    /// The slices <paramref name="steps"/> K steps really make when cut into at most <paramref name="slices"/> of
    /// <see cref="StepsPerSlice"/>: fewer when the last ones would be empty (3 steps in 2 slices: 2 + 1; in 5: 3 of 1).
    /// </summary>
    public static int Slices(int steps, int slices) => KernelLimits.Groups(steps, StepsPerSlice(steps, slices));
}
