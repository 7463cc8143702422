using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ residual)</c> on tensor cores: X <c>[M, K]</c> and W <c>[N, K]</c> (PyTorch's Linear layout) in
/// fp16, accumulated in fp32 by <c>mma.sync.m16n8k16</c>, the epilogue (bias, activation, an fp32 residual) in fp32, Y
/// written as fp16 (the next GEMM's or the attention's input), as fp32 (the residual stream LayerNorm takes its
/// statistics over, kept in fp32 so that twelve layers of residual sums do not each round to 11 bits), or both. fp16
/// values are 16-bit patterns (<see cref="HalfBits"/>) in <see cref="ushort"/> views: rows of Y start mid-word whenever
/// N is odd, which packed pairs could not address, and PoCL has no <c>cl_khr_fp16</c> for a real half type.
/// </summary>
/// <remarks>
/// On CUDA each group stages K steps of 32 through <c>cp.async</c> into two shared buffers (the next step's copies fly
/// while the tensor cores work on this one), each warp loads its fragments with <c>ldmatrix</c> and keeps its 32×32 tile
/// in named PTX registers (<see cref="HalfLinearPtx"/>). Elsewhere (CPU accelerator, OpenCL) a managed twin runs the same
/// tiles, warps and per-lane fragment ownership: each lane reads its fragment words from the staged tile where
/// <c>ldmatrix</c> would have put them (<see cref="Mma16816"/>'s layout) and the warp emulates the <c>mma</c>. Both end
/// the same way: each warp stores its accumulators by the C fragment layout into shared memory and the whole group
/// runs one epilogue over them, coalesced. K must be a multiple of 8 (16-byte rows for <c>cp.async</c>): the
/// backend pads weights at upload and fp32 inputs as it converts them; fp16 activations come with whole rows.
/// <para>
/// Split-K: when even the small tiles leave most multiprocessors idle (<see cref="TensorCoreTiling.SplitK"/>: a few
/// dozen tokens), the grid gets a third dimension of S K slices, slice z walking its own range of K steps; each group
/// then stores its raw fp32 accumulators to a partials buffer <c>[S, M, N]</c> and <see cref="SplitKReduceKernel"/>
/// sums them in slice order and runs the epilogue (<see cref="HalfLinearEpilogue"/>, the one the unsplit kernel fuses).
/// </para>
/// </remarks>
public sealed class HalfLinearKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>,
        ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, HalfLinearShape> _kernel;

    private readonly Accelerator _accelerator;
    private readonly SplitKReduceKernel _reduce;

    /// <summary>Compiles the kernel (and its split-K reduce) for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split; null = <see cref="TensorCoreTiling.For"/> at each launch, by the output's shape.</param>
    /// <param name="splitK">
    /// K slices, at least 1 (tests force 2 or 3 at tiny shapes); null = <see cref="TensorCoreTiling.SplitK"/> at each
    /// launch. Either way a launch without a large enough partials view runs unsplit.
    /// </param>
    public HalfLinearKernel(Accelerator accelerator, TensorCoreTiling? tiling = null, int? splitK = null)
    {
        TensorCoreLaunch.Check(accelerator, nameof(HalfLinearKernel), tiling);
        if (splitK is < 1)
            throw new ArgumentOutOfRangeException(nameof(splitK), splitK, "Split-K needs at least one K slice; pass null to choose per launch.");
        Tiling = tiling;
        SplitK = splitK;
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<ushort>,
            ArrayView<float>, ArrayView<float>, HalfLinearShape>(Kernel);
        _reduce = new SplitKReduceKernel(accelerator);
    }

    /// <summary>The fixed work split, or null when each launch picks one by <see cref="TensorCoreTiling.For"/>.</summary>
    public TensorCoreTiling? Tiling { get; }

    /// <summary>The fixed number of K slices, or null when each launch picks it by <see cref="TensorCoreTiling.SplitK"/>.</summary>
    public int? SplitK { get; }

    /// <summary>
    /// Floats of the <c>partials</c> view a launch of this shape on <paramref name="accelerator"/> needs to run split
    /// (<see cref="TensorCoreTiling.SplitK"/> slices × <paramref name="rows"/> × <paramref name="outFeatures"/>), 0 when it
    /// runs unsplit and needs none.
    /// </summary>
    public static long PartialsLength(Accelerator accelerator, int rows, int outFeatures, int inFeatures)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var slices = TensorCoreTiling.SplitK(accelerator.NumMultiprocessors, rows, outFeatures, inFeatures);
        return slices > 1 ? (long)slices * rows * outFeatures : 0;
    }

    /// <summary>Queues <c>y = act(x·wᵀ + bias) (+ residual)</c> on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Input <c>[rows, inFeatures]</c>, fp16 bits.</param>
    /// <param name="rows">M.</param>
    /// <param name="weight">Weight <c>[outFeatures, inFeatures]</c>, fp16 bits.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>; null for none.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="inFeatures">K: a positive multiple of 8.</param>
    /// <param name="activation">Applied after the bias, in fp32: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c> fp32; null for none. May be <paramref name="yFloat"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>, fp16 bits (rounded to nearest even), or null; must not overlap <paramref name="x"/>.</param>
    /// <param name="yFloat">The same output before rounding to fp16, <c>[rows, outFeatures]</c> fp32, or null; one of the two outputs must be given.</param>
    /// <param name="partials">
    /// Scratch for split-K, overlapping none of the others: at least <see cref="PartialsLength"/> floats (S · rows ·
    /// outFeatures for a forced <see cref="SplitK"/> of S); null or shorter: the launch runs unsplit.
    /// </param>
    public void Launch(AcceleratorStream stream, ArrayView<ushort> x, int rows, ArrayView<ushort> weight, ArrayView<float>? bias,
        int outFeatures, int inFeatures, int activation, ArrayView<float>? residual, ArrayView<ushort>? y, ArrayView<float>? yFloat,
        ArrayView<float>? partials = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var epilogue = HalfLinearEpilogue.Of(rows, outFeatures, activation, bias, residual, y, yFloat);
        if (inFeatures < 8 || inFeatures % 8 != 0)
            throw new ArgumentException(
                $"x [{rows}, {inFeatures}] · weight [{outFeatures}, {inFeatures}]ᵀ: K = {inFeatures} must be a positive multiple of 8 (16-byte rows for cp.async); pad X and W with zero columns at upload.",
                nameof(inFeatures));
        Shapes.Require(x, (long)rows * inFeatures, nameof(x), $"[{rows}, {inFeatures}]");
        Shapes.Require(weight, (long)outFeatures * inFeatures, nameof(weight), $"[{outFeatures}, {inFeatures}]");
        if (rows == 0)
            return;

        var t = Tiling ?? TensorCoreTiling.For(_accelerator, rows, outFeatures);
        var steps = KernelLimits.Groups(inFeatures, TensorCoreTiling.TileK);
        var slices = TensorCoreTiling.Slices(steps, SplitK ?? TensorCoreTiling.SplitK(_accelerator.NumMultiprocessors, rows, outFeatures, inFeatures));
        if (partials is not { } p || p.Length < (long)slices * rows * outFeatures)
            slices = 1;
        var shape = new HalfLinearShape(rows, outFeatures, inFeatures, t.WarpsN, TensorCoreTiling.StepsPerSlice(steps, slices), slices > 1 ? 1 : 0,
            epilogue, TensorCoreLaunch.GlobalAddress(_accelerator, x, nameof(x)), TensorCoreLaunch.GlobalAddress(_accelerator, weight, nameof(weight)));
        // Views the kernel never touches (flags 0, or no split) stand in as other arguments' so that none is null.
        _kernel(stream, TensorCoreLaunch.Config(t, rows, outFeatures, slices), x, weight, bias ?? yFloat ?? default, residual ?? yFloat ?? default,
            y ?? x, yFloat ?? bias ?? default, slices > 1 ? partials!.Value : yFloat ?? bias ?? default, shape);
        if (slices > 1)
            _reduce.Launch(stream, partials!.Value, slices, rows, outFeatures, bias, activation, residual, y, yFloat);
    }

    /// <summary>
    /// The scalar arguments: shape, the tiling's warps along N (the group size gives the rest), K steps per slice (all of
    /// them unsplit), whether the slices store partials (1) rather than run the epilogue, the epilogue's flags, and X's and
    /// W's device addresses for the CUDA path.
    /// </summary>
    internal readonly record struct HalfLinearShape(int M, int N, int K, int WarpsN, int StepsPerSlice, int Split, HalfLinearEpilogue Epilogue,
        ulong X, ulong W);

    private static void Kernel(ArrayView<ushort> x, ArrayView<ushort> w, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<ushort> y, ArrayView<float> yFloat, ArrayView<float> partials, HalfLinearShape s)
    {
        var t = new TensorTile(s.WarpsN);
        var chunksPerRow = s.K / 8;
        var steps = (s.K + TensorCoreTiling.TileK - 1) / TensorCoreTiling.TileK;
        // This group's K slice: steps [first, end) (the host leaves no slice empty).
        var first = Grid.IdxZ * s.StepsPerSlice;
        var end = first + s.StepsPerSlice < steps ? first + s.StepsPerSlice : steps;
        var shared = SharedMemory.Allocate<SharedChunk>(TensorCoreTiling.MaxSharedBytes / 16);
        var staging = shared.Cast<float>();
        var dumpAt = TensorTileCopy.DumpWord(t);

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(HalfLinearPtx.Declare);
            // Step k lives in buffer k & 1, as Pipeline stages the next ones; the slice's first may be odd.
            TensorTileCopy.CopyStage(t, s.X, s.W, s.M, s.N, chunksPerRow, (first & 1) * t.StageBytes, first);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            int aAt = TensorTileCopy.LdmatrixX(t), bAt = TensorTileCopy.LdmatrixW(t);
            for (var step = first; step < end; step++)
            {
                TensorTileCopy.Pipeline(t, s.X, s.W, s.M, s.N, chunksPerRow, step, end);
                var stage = (step & 1) * t.StageBytes;
                CudaAsm.Emit(HalfLinearPtx.MmaStep, stage + aAt, stage + bAt);
                CudaAsm.Emit(HalfLinearPtx.MmaStep, stage + aAt + 32, stage + bAt + 32); // k 16–31: 16 halves on
                Group.Barrier(); // the step after next overwrites this buffer
            }
            CudaAsm.Emit(HalfLinearPtx.Dump, dumpAt * sizeof(float));
        }
        else
        {
            var tile = shared.Cast<uint>();
            var scratch = staging.SubView(t.StageBytes / sizeof(float) + t.Warp * Mma16816.ScratchFloats, Mma16816.ScratchFloats);
            MmaAccumulator c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (var step = first; step < end; step++)
            {
                // K is a multiple of 8, so every row of X and W is whole words: two halves each, element 0 in the low half.
                TensorTileCopy.StageManaged(t, x.Cast<uint>(), w.Cast<uint>(), tile, s.M, s.N, chunksPerRow, step);
                Group.Barrier();
                for (var kw = 0; kw < TensorCoreTiling.TileK / 2; kw += 8)
                {
                    var f = TensorTileCopy.LoadFragments(t, tile, kw);
                    c00 = Mma16816.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B00, f.B01, c00);
                    c01 = Mma16816.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B10, f.B11, c01);
                    c02 = Mma16816.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B20, f.B21, c02);
                    c03 = Mma16816.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B30, f.B31, c03);
                    c10 = Mma16816.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B00, f.B01, c10);
                    c11 = Mma16816.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B10, f.B11, c11);
                    c12 = Mma16816.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B20, f.B21, c12);
                    c13 = Mma16816.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B30, f.B31, c13);
                }
                Group.Barrier(); // the next step overwrites the tile
            }
            // Where Dump puts them: tile (mi, ni) at 16·mi rows and 8·ni columns from the lane's first element.
            const int Rows16 = 16 * TensorCoreTiling.StagingStride;
            DumpManaged(staging, dumpAt, c00); DumpManaged(staging, dumpAt + 8, c01); DumpManaged(staging, dumpAt + 16, c02); DumpManaged(staging, dumpAt + 24, c03);
            DumpManaged(staging, dumpAt + Rows16, c10); DumpManaged(staging, dumpAt + Rows16 + 8, c11);
            DumpManaged(staging, dumpAt + Rows16 + 16, c12); DumpManaged(staging, dumpAt + Rows16 + 24, c13);
        }
        Group.Barrier();
        Epilogue(t, staging, bias, residual, y, yFloat, partials, s);
    }

    /// <summary>A C fragment's four elements by the layout: c0, c1 at the lane's element and the next column, c2, c3 eight rows down.</summary>
    private static void DumpManaged(ArrayView<float> staging, int at, MmaAccumulator c)
    {
        staging[at] = c.C0;
        staging[at + 1] = c.C1;
        staging[at + 8 * TensorCoreTiling.StagingStride] = c.C2;
        staging[at + 8 * TensorCoreTiling.StagingStride + 1] = c.C3;
    }

    /// <summary>
    /// The group's output block from the warps' staged accumulators: consecutive threads take consecutive columns
    /// (coalesced reads of bias and residual, writes of Y). Unsplit, <see cref="HalfLinearEpilogue"/>; split, the raw sums
    /// go to the slice's <c>[M, N]</c> of the partials for <see cref="SplitKReduceKernel"/>.
    /// </summary>
    private static void Epilogue(TensorTile t, ArrayView<float> staging, ArrayView<float> bias, ArrayView<float> residual, ArrayView<ushort> y,
        ArrayView<float> yFloat, ArrayView<float> partials, HalfLinearShape s)
    {
        var slice = (long)Grid.IdxZ * s.M * s.N;
        for (var e = t.Tid; e < t.TileM * t.TileN; e += t.Threads)
        {
            var o = t.Output(e, s.M, s.N);
            if (o.Index < 0)
                continue;
            if (s.Split != 0)
                partials[slice + o.Index] = staging[o.Staged];
            else
                s.Epilogue.Store(staging[o.Staged], o.Index, o.Col, bias, residual, y, yFloat);
        }
    }
}
