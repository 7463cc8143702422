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
    /// <param name="tiling">Work split; null = <see cref="HalfLinearTiling.For"/> at each launch.</param>
    public Int8TensorLinearKernel(Accelerator accelerator, HalfLinearTiling? tiling = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (tiling is { } t && (t.WarpsM <= 0 || t.WarpsN <= 0 || t.SharedBytes > HalfLinearTiling.MaxSharedBytes))
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {t} needs {t.SharedBytes} bytes of shared memory; the kernel allocates {HalfLinearTiling.MaxSharedBytes}.");
        Tiling = tiling;
        KernelLimits.Check(accelerator, nameof(Int8TensorLinearKernel), (tiling ?? HalfLinearTiling.Large).Threads, HalfLinearTiling.MaxSharedBytes / sizeof(float));
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, Int8TensorShape>(Kernel);
    }

    /// <summary>The fixed work split, or null when each launch picks one.</summary>
    public HalfLinearTiling? Tiling { get; }

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
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inFeatures, Int8LinearKernel.MaxInFeatures);
        var words = Int8Packing.Words(inFeatures);
        if (words % 4 != 0)
            throw new ArgumentException(
                $"xq [{rows}, {words}] words · wq [{outFeatures}, {words}]ᵀ: K = {inFeatures} int8 packs to {words} words, not a multiple of 4 (16-byte rows for cp.async); pad K to a multiple of 16 at upload.",
                nameof(inFeatures));
        Shapes.Require(xq, (long)rows * words, nameof(xq), $"[{rows}, {words}] words");
        Shapes.Require(xScale, rows, nameof(xScale), $"[{rows}]");
        Shapes.Require(wq, (long)outFeatures * words, nameof(wq), $"[{outFeatures}, {words}] words");
        Shapes.Require(wScale, outFeatures, nameof(wScale), $"[{outFeatures}]");
        Shapes.Require(bias, outFeatures, nameof(bias), $"[{outFeatures}]");
        Shapes.Require(y, (long)rows * outFeatures, nameof(y), $"[{rows}, {outFeatures}]");
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), $"[{rows}, {outFeatures}]");
        Activations.Check(activation);
        if (rows == 0)
            return;

        var t = Tiling ?? HalfLinearTiling.For(_accelerator, rows, outFeatures);
        var config = new KernelConfig(
            new Index2D(KernelLimits.Groups(outFeatures, t.TileN), KernelLimits.Groups(rows, t.TileM)), new Index2D(t.Threads, 1));
        var shape = new Int8TensorShape(rows, outFeatures, words, t.WarpsN, activation, residual is null ? 0 : 1,
            GlobalAddress(xq, nameof(xq)), GlobalAddress(wq, nameof(wq)));
        // Without a residual the kernel never reads that argument; y stands in so that no view is null.
        _kernel(stream, config, xq, xScale, wq, wScale, bias, residual ?? y, y, shape);
    }

    /// <summary>The device address <c>cp.async</c> reads <paramref name="view"/> from on CUDA, 16-byte aligned; 0 elsewhere.</summary>
    private ulong GlobalAddress(ArrayView<int> view, string name)
    {
        if (_accelerator.AcceleratorType != AcceleratorType.Cuda)
            return 0;
        var address = (ulong)view.LoadEffectiveAddressAsPtr();
        if (address % 16 != 0)
            throw new ArgumentException($"{name} starts at 0x{address:X}, not on the 16-byte boundary cp.async needs.", name);
        return address;
    }

    /// <summary>The scalar arguments; <see cref="Words"/> is K in packed words.</summary>
    internal readonly record struct Int8TensorShape(int M, int N, int Words, int WarpsN, int Activation, int AddResidual, ulong X, ulong W);

    private static void Kernel(ArrayView<int> xq, ArrayView<float> xScale, ArrayView<int> wq, ArrayView<float> wScale,
        ArrayView<float> bias, ArrayView<float> residual, ArrayView<float> y, Int8TensorShape s)
    {
        int tid = Group.IdxX, threads = Group.DimX;
        int lane = tid & 31, warp = tid >> 5;
        var tileN = s.WarpsN * HalfLinearTiling.WarpTile;
        var tileM = (threads >> 5) / s.WarpsN * HalfLinearTiling.WarpTile;
        int wm = warp / s.WarpsN, wn = warp % s.WarpsN;
        int m0 = Grid.IdxY * tileM, n0 = Grid.IdxX * tileN;
        var stageBytes = (tileM + tileN) * HalfLinearTiling.RowBytes;
        var chunksPerRow = s.Words / 4;
        var steps = (chunksPerRow + 3) / 4;
        var shared = SharedMemory.Allocate<SharedChunk>(HalfLinearTiling.MaxSharedBytes / 16);
        var staging = shared.Cast<int>();
        var dumpAt = TensorTileCopy.DumpWord(warp, lane);

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(Int8TensorPtx.Declare);
            TensorTileCopy.CopyStage(s.X, s.W, s.M, s.N, chunksPerRow, tid, threads, tileM, tileN, m0, n0, 0, 0);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            int aAt = TensorTileCopy.LdmatrixX(wm, lane), bAt = TensorTileCopy.LdmatrixW(tileM, wn, lane);
            for (var step = 0; step < steps; step++)
            {
                TensorTileCopy.Pipeline(s.X, s.W, s.M, s.N, chunksPerRow, tid, threads, tileM, tileN, m0, n0, stageBytes, step, steps);
                var stage = (step & 1) * stageBytes;
                CudaAsm.Emit(Int8TensorPtx.MmaStep, stage + aAt, stage + bAt);
                CudaAsm.Emit(Int8TensorPtx.MmaStep, stage + aAt + 32, stage + bAt + 32); // k 32–63: 32 bytes on
                Group.Barrier(); // the step after next overwrites this buffer
            }
            CudaAsm.Emit(Int8TensorPtx.Dump, dumpAt * sizeof(int));
        }
        else
        {
            var tile = shared.Cast<uint>();
            var scratch = staging.SubView(stageBytes / sizeof(int) + warp * Mma16832.ScratchInts, Mma16832.ScratchInts);
            int aRow = wm * HalfLinearTiling.WarpTile, bRow = tileM + wn * HalfLinearTiling.WarpTile;
            MmaIntAccumulator c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (var step = 0; step < steps; step++)
            {
                for (var e = tid; e < (tileM + tileN) * 4; e += threads)
                {
                    var chunk = TensorTileCopy.ChunkIndex(e >> 2, e & 3, step, tileM, m0, n0, s.M, s.N, chunksPerRow);
                    for (var j = 0; j < 4; j++)
                        tile[TensorTileCopy.ManagedWord(e) + j] = chunk < 0 ? 0u : (uint)(e >> 2 < tileM ? xq[4 * chunk + j] : wq[4 * chunk + j]);
                }
                Group.Barrier();
                for (var kw = 0; kw < 16; kw += 8)
                {
                    var f = TensorTileCopy.LoadFragments(tile, aRow, bRow, kw, lane);
                    c00 = Mma16832.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B00, f.B01, c00);
                    c01 = Mma16832.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B10, f.B11, c01);
                    c02 = Mma16832.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B20, f.B21, c02);
                    c03 = Mma16832.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B30, f.B31, c03);
                    c10 = Mma16832.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B00, f.B01, c10);
                    c11 = Mma16832.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B10, f.B11, c11);
                    c12 = Mma16832.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B20, f.B21, c12);
                    c13 = Mma16832.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B30, f.B31, c13);
                }
                Group.Barrier(); // the next step overwrites the tile
            }
            const int Rows16 = 16 * HalfLinearTiling.StagingStride;
            Dump(staging, dumpAt, c00); Dump(staging, dumpAt + 8, c01); Dump(staging, dumpAt + 16, c02); Dump(staging, dumpAt + 24, c03);
            Dump(staging, dumpAt + Rows16, c10); Dump(staging, dumpAt + Rows16 + 8, c11);
            Dump(staging, dumpAt + Rows16 + 16, c12); Dump(staging, dumpAt + Rows16 + 24, c13);
        }
        Group.Barrier();

        for (var e = tid; e < tileM * tileN; e += threads)
        {
            var row = e / tileN;
            var col = e - row * tileN;
            int r = m0 + row, c = n0 + col;
            if (r >= s.M || c >= s.N)
                continue;
            // Int8LinearKernel's expression, term for term, so the results agree bit for bit.
            var v = staging[TensorTileCopy.StagedWord(row, col, s.WarpsN)] * (xScale[r] * wScale[c]) + bias[c];
            v = Activations.Apply(s.Activation, v);
            var i = r * s.N + c;
            if (s.AddResidual != 0)
                v += residual[i];
            y[i] = v;
        }
    }

    /// <summary>A C fragment's four elements by the layout, as HalfLinearKernel stores its own.</summary>
    private static void Dump(ArrayView<int> staging, int at, MmaIntAccumulator c)
    {
        staging[at] = c.C0;
        staging[at + 1] = c.C1;
        staging[at + 8 * HalfLinearTiling.StagingStride] = c.C2;
        staging[at + 8 * HalfLinearTiling.StagingStride + 1] = c.C3;
    }
}
