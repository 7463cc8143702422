using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// <see cref="Int8LinearKernel"/>'s product on tensor cores: <c>Y = act(acc · xScale[r] · wScale[c] + b[c]) (+ residual)</c>
/// with <c>acc = Σ_k xq[r, k]·wq[c, k]</c> exact in int32 by <c>mma.sync.m16n8k32.s32.s8.s8.s32</c>; int8 operands packed
/// four to a word by <see cref="Int8Packing"/>, bias, residual and Y fp32, the same epilogue expression. Tiled and staged
/// exactly as <see cref="HalfLinearKernel"/> (a K step is 64 int8, the same 64 bytes a row), with a managed twin of the same
/// fragment ownership elsewhere. Integer arithmetic is exact, so every path gives Int8LinearKernel's output bit for bit.
/// For tiny M and below sm_80 the backend keeps Int8LinearKernel's dp4a.
/// </summary>
public sealed class Int8TensorLinearKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, Int8TensorShape> _kernel;

    private readonly Accelerator _accelerator;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split; null = <see cref="TensorCoreTiling.For"/> at each launch.</param>
    public Int8TensorLinearKernel(Accelerator accelerator, TensorCoreTiling? tiling = null)
    {
        TensorCoreLaunch.Check(accelerator, nameof(Int8TensorLinearKernel), tiling);
        Tiling = tiling;
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, Int8TensorShape>(Kernel);
    }

    /// <summary>The fixed work split, or null when each launch picks one.</summary>
    public TensorCoreTiling? Tiling { get; }

    /// <summary>Queues <c>y = act(dequant(xq·wqᵀ) + bias) (+ residual)</c>; the arguments are <see cref="Int8LinearKernel.Launch"/>'s.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="xq">Quantized input <c>[rows, Int8Packing.Words(inFeatures)]</c> words.</param>
    /// <param name="xScale">Each input row's scale, <c>[rows]</c>.</param>
    /// <param name="rows">M.</param>
    /// <param name="wq">Quantized weight <c>[outFeatures, Int8Packing.Words(inFeatures)]</c> words.</param>
    /// <param name="wScale">Each output channel's scale, <c>[outFeatures]</c>.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="inFeatures">K in int8 values, padded by Int8Packing to a multiple of 16 (16-byte rows for cp.async).</param>
    /// <param name="activation">Applied after the bias: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c>; null for none. May be <paramref name="y"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<int> xq, ArrayView<float> xScale, int rows, ArrayView<int> wq,
        ArrayView<float> wScale, ArrayView<float> bias, int outFeatures, int inFeatures, int activation, ArrayView<float>? residual,
        ArrayView<float> y)
    {
        var words = Int8LinearKernel.CheckArguments(stream, xq, xScale, rows, wq, wScale, bias, outFeatures, inFeatures, residual, y);
        if (words % 4 != 0)
            throw new ArgumentException(
                $"xq [{rows}, {words}] words · wq [{outFeatures}, {words}]ᵀ: K = {inFeatures} int8 packs to {words} words, not a multiple of 4 (16-byte rows for cp.async); pad K to a multiple of 16 at upload.",
                nameof(inFeatures));
        Activations.Check(activation);
        if (rows == 0)
            return;

        var t = Tiling ?? TensorCoreTiling.For(_accelerator, rows, outFeatures);
        var shape = new Int8TensorShape(rows, outFeatures, words, t.WarpsN, activation, residual is null ? 0 : 1,
            TensorCoreLaunch.GlobalAddress(_accelerator, xq, nameof(xq)), TensorCoreLaunch.GlobalAddress(_accelerator, wq, nameof(wq)));
        // Without a residual the kernel never reads that argument; y stands in so that no view is null.
        _kernel(stream, TensorCoreLaunch.Config(t, rows, outFeatures), xq, xScale, wq, wScale, bias, residual ?? y, y, shape);
    }

    /// <summary>The scalar arguments; <see cref="Words"/> is K in packed words.</summary>
    internal readonly record struct Int8TensorShape(int M, int N, int Words, int WarpsN, int Activation, int AddResidual, ulong X, ulong W);

    private static void Kernel(ArrayView<int> xq, ArrayView<float> xScale, ArrayView<int> wq, ArrayView<float> wScale,
        ArrayView<float> bias, ArrayView<float> residual, ArrayView<float> y, Int8TensorShape s)
    {
        var t = new TensorTile(s.WarpsN);
        var chunksPerRow = s.Words / 4;
        var steps = (chunksPerRow + 3) / 4;
        var shared = SharedMemory.Allocate<SharedChunk>(TensorCoreTiling.MaxSharedBytes / 16);
        var staging = shared.Cast<int>();
        var dumpAt = TensorTileCopy.DumpWord(t);

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(Int8TensorPtx.Declare);
            TensorTileCopy.CopyStage(t, s.X, s.W, s.M, s.N, chunksPerRow, 0, 0);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            int aAt = TensorTileCopy.LdmatrixX(t), bAt = TensorTileCopy.LdmatrixW(t);
            for (var step = 0; step < steps; step++)
            {
                TensorTileCopy.Pipeline(t, s.X, s.W, s.M, s.N, chunksPerRow, step, steps);
                var stage = (step & 1) * t.StageBytes;
                CudaAsm.Emit(Int8TensorPtx.MmaStep, stage + aAt, stage + bAt);
                CudaAsm.Emit(Int8TensorPtx.MmaStep, stage + aAt + 32, stage + bAt + 32); // k 32–63: 32 bytes on
                Group.Barrier(); // the step after next overwrites this buffer
            }
            CudaAsm.Emit(Int8TensorPtx.Dump, dumpAt * sizeof(int));
        }
        else
        {
            var tile = shared.Cast<uint>();
            var scratch = staging.SubView(t.StageBytes / sizeof(int) + t.Warp * Mma16832.ScratchInts, Mma16832.ScratchInts);
            MmaIntAccumulator c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (var step = 0; step < steps; step++)
            {
                TensorTileCopy.StageManaged(t, xq.Cast<uint>(), wq.Cast<uint>(), tile, s.M, s.N, chunksPerRow, step);
                Group.Barrier();
                for (var kw = 0; kw < 16; kw += 8)
                {
                    var f = TensorTileCopy.LoadFragments(t, tile, kw);
                    c00 = Mma16832.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B00, f.B01, c00);
                    c01 = Mma16832.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B10, f.B11, c01);
                    c02 = Mma16832.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B20, f.B21, c02);
                    c03 = Mma16832.Emulate(scratch, t.Lane, f.A00, f.A01, f.A02, f.A03, f.B30, f.B31, c03);
                    c10 = Mma16832.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B00, f.B01, c10);
                    c11 = Mma16832.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B10, f.B11, c11);
                    c12 = Mma16832.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B20, f.B21, c12);
                    c13 = Mma16832.Emulate(scratch, t.Lane, f.A10, f.A11, f.A12, f.A13, f.B30, f.B31, c13);
                }
                Group.Barrier(); // the next step overwrites the tile
            }
            const int Rows16 = 16 * TensorCoreTiling.StagingStride;
            Dump(staging, dumpAt, c00); Dump(staging, dumpAt + 8, c01); Dump(staging, dumpAt + 16, c02); Dump(staging, dumpAt + 24, c03);
            Dump(staging, dumpAt + Rows16, c10); Dump(staging, dumpAt + Rows16 + 8, c11);
            Dump(staging, dumpAt + Rows16 + 16, c12); Dump(staging, dumpAt + Rows16 + 24, c13);
        }
        Group.Barrier();

        for (var e = t.Tid; e < t.TileM * t.TileN; e += t.Threads)
        {
            var o = t.Output(e, s.M, s.N);
            if (o.Index < 0)
                continue;
            // Int8LinearKernel's expression, term for term, so the results agree bit for bit.
            var v = staging[o.Staged] * (xScale[o.Row] * wScale[o.Col]) + bias[o.Col];
            v = Activations.Apply(s.Activation, v);
            if (s.AddResidual != 0)
                v += residual[o.Index];
            y[o.Index] = v;
        }
    }

    /// <summary>A C fragment's four elements by the layout, as HalfLinearKernel stores its own.</summary>
    private static void Dump(ArrayView<int> staging, int at, MmaIntAccumulator c)
    {
        staging[at] = c.C0;
        staging[at + 1] = c.C1;
        staging[at + 8 * TensorCoreTiling.StagingStride] = c.C2;
        staging[at + 8 * TensorCoreTiling.StagingStride + 1] = c.C3;
    }
}
