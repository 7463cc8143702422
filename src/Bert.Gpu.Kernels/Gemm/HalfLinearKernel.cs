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
/// runs one epilogue over them, coalesced. K must be a multiple of 8 (16-byte rows for <c>cp.async</c>); the
/// backend pads weights and activations at upload.
/// </remarks>
public sealed class HalfLinearKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>,
        ArrayView<float>, ArrayView<ushort>, ArrayView<float>, HalfLinearShape> _kernel;

    private readonly Accelerator _accelerator;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split; null = <see cref="TensorCoreTiling.For"/> at each launch, by the output's shape.</param>
    public HalfLinearKernel(Accelerator accelerator, TensorCoreTiling? tiling = null)
    {
        TensorCoreLaunch.Check(accelerator, nameof(HalfLinearKernel), tiling);
        Tiling = tiling;
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<ushort>,
            ArrayView<float>, HalfLinearShape>(Kernel);
    }

    /// <summary>The fixed work split, or null when each launch picks one by <see cref="TensorCoreTiling.For"/>.</summary>
    public TensorCoreTiling? Tiling { get; }

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
    public void Launch(AcceleratorStream stream, ArrayView<ushort> x, int rows, ArrayView<ushort> weight, ArrayView<float>? bias,
        int outFeatures, int inFeatures, int activation, ArrayView<float>? residual, ArrayView<ushort>? y, ArrayView<float>? yFloat)
    {
        if (y is null && yFloat is null)
            throw new ArgumentException("Neither an fp16 output (y) nor an fp32 one (yFloat) was given; pass at least one.", nameof(y));
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        if (inFeatures < 8 || inFeatures % 8 != 0)
            throw new ArgumentException(
                $"x [{rows}, {inFeatures}] · weight [{outFeatures}, {inFeatures}]ᵀ: K = {inFeatures} must be a positive multiple of 8 (16-byte rows for cp.async); pad X and W with zero columns at upload.",
                nameof(inFeatures));
        Shapes.Require(x, (long)rows * inFeatures, nameof(x), $"[{rows}, {inFeatures}]");
        Shapes.Require(weight, (long)outFeatures * inFeatures, nameof(weight), $"[{outFeatures}, {inFeatures}]");
        if (bias is { } b)
            Shapes.Require(b, outFeatures, nameof(bias), $"[{outFeatures}]");
        var output = $"[{rows}, {outFeatures}]";
        if (y is { } half)
            Shapes.Require(half, (long)rows * outFeatures, nameof(y), output);
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), output);
        if (yFloat is { } f)
            Shapes.Require(f, (long)rows * outFeatures, nameof(yFloat), output);
        Activations.Check(activation);
        if (rows == 0)
            return;

        var t = Tiling ?? TensorCoreTiling.For(_accelerator, rows, outFeatures);
        var shape = new HalfLinearShape(rows, outFeatures, inFeatures, t.WarpsN, activation, bias is null ? 0 : 1, residual is null ? 0 : 1,
            y is null ? 0 : 1, yFloat is null ? 0 : 1, TensorCoreLaunch.GlobalAddress(_accelerator, x, nameof(x)),
            TensorCoreLaunch.GlobalAddress(_accelerator, weight, nameof(weight)));
        // Views the kernel never touches (flags 0) stand in as other arguments' so that none is null.
        _kernel(stream, TensorCoreLaunch.Config(t, rows, outFeatures), x, weight, bias ?? yFloat ?? default, residual ?? yFloat ?? default,
            y ?? x, yFloat ?? bias ?? default, shape);
    }

    /// <summary>
    /// The scalar arguments: shape, the tiling's warps along N (the group size gives the rest), activation code, which
    /// optional views are real, and X's and W's device addresses for the CUDA path.
    /// </summary>
    internal readonly record struct HalfLinearShape(int M, int N, int K, int WarpsN, int Activation, int HasBias, int AddResidual,
        int WriteHalf, int WriteFloat, ulong X, ulong W);

    private static void Kernel(ArrayView<ushort> x, ArrayView<ushort> w, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<ushort> y, ArrayView<float> yFloat, HalfLinearShape s)
    {
        var t = new TensorTile(s.WarpsN);
        var chunksPerRow = s.K / 8;
        var steps = (s.K + TensorCoreTiling.TileK - 1) / TensorCoreTiling.TileK;
        var shared = SharedMemory.Allocate<SharedChunk>(TensorCoreTiling.MaxSharedBytes / 16);
        var staging = shared.Cast<float>();
        var dumpAt = TensorTileCopy.DumpWord(t);

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(HalfLinearPtx.Declare);
            TensorTileCopy.CopyStage(t, s.X, s.W, s.M, s.N, chunksPerRow, 0, 0);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            int aAt = TensorTileCopy.LdmatrixX(t), bAt = TensorTileCopy.LdmatrixW(t);
            for (var step = 0; step < steps; step++)
            {
                TensorTileCopy.Pipeline(t, s.X, s.W, s.M, s.N, chunksPerRow, step, steps);
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
            for (var step = 0; step < steps; step++)
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
        Epilogue(t, staging, bias, residual, y, yFloat, s);
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
    /// (coalesced reads of bias and residual, writes of Y); bias, activation and residual in fp32, then rounded to fp16.
    /// </summary>
    private static void Epilogue(TensorTile t, ArrayView<float> staging, ArrayView<float> bias, ArrayView<float> residual, ArrayView<ushort> y,
        ArrayView<float> yFloat, HalfLinearShape s)
    {
        for (var e = t.Tid; e < t.TileM * t.TileN; e += t.Threads)
        {
            var o = t.Output(e, s.M, s.N);
            if (o.Index < 0)
                continue;
            var v = staging[o.Staged];
            if (s.HasBias != 0)
                v += bias[o.Col];
            v = Activations.Apply(s.Activation, v);
            if (s.AddResidual != 0)
                v += residual[o.Index];
            if (s.WriteHalf != 0)
                y[o.Index] = (ushort)HalfBits.FromFloat(v);
            if (s.WriteFloat != 0)
                yFloat[o.Index] = v;
        }
    }
}
