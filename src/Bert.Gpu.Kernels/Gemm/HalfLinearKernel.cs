using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ residual)</c> on tensor cores: X <c>[M, K]</c> and W <c>[N, K]</c> (PyTorch's Linear layout) in
/// fp16, accumulated in fp32 by <c>mma.sync.m16n8k16</c>, the epilogue (bias, activation, residual) in fp32, Y written as
/// fp16 and, when asked, as fp32 too (what LayerNorm's statistics want). fp16 values are 16-bit patterns
/// (<see cref="HalfBits"/>) in <see cref="ushort"/> views: rows of Y and of the residual start mid-word whenever N is
/// odd, which packed pairs could not address, and PoCL has no <c>cl_khr_fp16</c> for a real half type.
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
        ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, HalfLinearShape> _kernel;

    private readonly Accelerator _accelerator;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split; null = <see cref="HalfLinearTiling.For"/> at each launch, by the output's shape.</param>
    public HalfLinearKernel(Accelerator accelerator, HalfLinearTiling? tiling = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (tiling is { } t && (t.WarpsM <= 0 || t.WarpsN <= 0 || t.SharedBytes > HalfLinearTiling.MaxSharedBytes))
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {t} needs {t.SharedBytes} bytes of shared memory; the kernel allocates {HalfLinearTiling.MaxSharedBytes}.");
        Tiling = tiling;
        KernelLimits.Check(accelerator, nameof(HalfLinearKernel), (tiling ?? HalfLinearTiling.Large).Threads, HalfLinearTiling.MaxSharedBytes / sizeof(float));
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>,
            ArrayView<float>, HalfLinearShape>(Kernel);
    }

    /// <summary>The fixed work split, or null when each launch picks one by <see cref="HalfLinearTiling.For"/>.</summary>
    public HalfLinearTiling? Tiling { get; }

    /// <summary>Queues <c>y = act(x·wᵀ + bias) (+ residual)</c> on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Input <c>[rows, inFeatures]</c>, fp16 bits.</param>
    /// <param name="rows">M.</param>
    /// <param name="weight">Weight <c>[outFeatures, inFeatures]</c>, fp16 bits.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>; null for none.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="inFeatures">K: a positive multiple of 8.</param>
    /// <param name="activation">Applied after the bias, in fp32: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c> fp16 bits; null for none. May be <paramref name="y"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>, fp16 bits (rounded to nearest even); must not overlap <paramref name="x"/>.</param>
    /// <param name="yFloat">The same output before rounding to fp16, <c>[rows, outFeatures]</c> fp32; null for none.</param>
    public void Launch(AcceleratorStream stream, ArrayView<ushort> x, int rows, ArrayView<ushort> weight, ArrayView<float>? bias,
        int outFeatures, int inFeatures, int activation, ArrayView<ushort>? residual, ArrayView<ushort> y, ArrayView<float>? yFloat)
    {
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
        Shapes.Require(y, (long)rows * outFeatures, nameof(y), output);
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), output);
        if (yFloat is { } f)
            Shapes.Require(f, (long)rows * outFeatures, nameof(yFloat), output);
        Activations.Check(activation);
        if (rows == 0)
            return;

        var t = Tiling ?? HalfLinearTiling.For(_accelerator, rows, outFeatures);
        var config = new KernelConfig(
            new Index2D(KernelLimits.Groups(outFeatures, t.TileN), KernelLimits.Groups(rows, t.TileM)), new Index2D(t.Threads, 1));
        var shape = new HalfLinearShape(rows, outFeatures, inFeatures, t.WarpsN, activation, bias is null ? 0 : 1, residual is null ? 0 : 1,
            yFloat is null ? 0 : 1, GlobalAddress(x, nameof(x)), GlobalAddress(weight, nameof(weight)));
        // Views the kernel never reads (flags 0) stand in as y's own so that none is null.
        _kernel(stream, config, x, weight, bias ?? yFloat ?? default, residual ?? y, y, yFloat ?? bias ?? default, shape);
    }

    /// <summary>
    /// The device address <c>cp.async</c> reads <paramref name="view"/> from on CUDA (ILGPU 1.5.3 cannot take a view's
    /// address inside a kernel), 16-byte aligned; 0 elsewhere, where the kernel reads the view itself.
    /// </summary>
    private ulong GlobalAddress(ArrayView<ushort> view, string name)
    {
        if (_accelerator.AcceleratorType != AcceleratorType.Cuda)
            return 0;
        var address = (ulong)view.LoadEffectiveAddressAsPtr();
        if (address % 16 != 0)
            throw new ArgumentException($"{name} starts at 0x{address:X}, not on the 16-byte boundary cp.async needs.", name);
        return address;
    }

    /// <summary>
    /// The scalar arguments: shape, the tiling's warps along N (the group size gives the rest), activation code, which
    /// optional views are real, and X's and W's device addresses for the CUDA path.
    /// </summary>
    internal readonly record struct HalfLinearShape(int M, int N, int K, int WarpsN, int Activation, int HasBias, int AddResidual,
        int WriteFloat, ulong X, ulong W);

    private static void Kernel(ArrayView<ushort> x, ArrayView<ushort> w, ArrayView<float> bias, ArrayView<ushort> residual,
        ArrayView<ushort> y, ArrayView<float> yFloat, HalfLinearShape s)
    {
        int tid = Group.IdxX, threads = Group.DimX;
        int lane = tid & 31, warp = tid >> 5;
        var tileN = s.WarpsN * HalfLinearTiling.WarpTile;
        var tileM = (threads >> 5) / s.WarpsN * HalfLinearTiling.WarpTile;
        int wm = warp / s.WarpsN, wn = warp % s.WarpsN;
        int m0 = Grid.IdxY * tileM, n0 = Grid.IdxX * tileN;
        var stageBytes = (tileM + tileN) * HalfLinearTiling.RowBytes;
        var steps = (s.K + HalfLinearTiling.TileK - 1) / HalfLinearTiling.TileK;
        var shared = SharedMemory.Allocate<SharedChunk>(HalfLinearTiling.MaxSharedBytes / 16);
        var staging = shared.Cast<float>();
        var dumpAt = TensorTileCopy.DumpWord(warp, lane);
        var chunksPerRow = s.K / 8;

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(HalfLinearPtx.Declare);
            TensorTileCopy.CopyStage(s.X, s.W, s.M, s.N, chunksPerRow, tid, threads, tileM, tileN, m0, n0, 0, 0);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            int aAt = TensorTileCopy.LdmatrixX(wm, lane), bAt = TensorTileCopy.LdmatrixW(tileM, wn, lane);
            for (var step = 0; step < steps; step++)
            {
                TensorTileCopy.Pipeline(s.X, s.W, s.M, s.N, chunksPerRow, tid, threads, tileM, tileN, m0, n0, stageBytes, step, steps);
                var stage = (step & 1) * stageBytes;
                CudaAsm.Emit(HalfLinearPtx.MmaStep, stage + aAt, stage + bAt);
                CudaAsm.Emit(HalfLinearPtx.MmaStep, stage + aAt + 32, stage + bAt + 32); // k 16–31: 16 halves on
                Group.Barrier(); // the step after next overwrites this buffer
            }
            CudaAsm.Emit(HalfLinearPtx.Dump, dumpAt * sizeof(float));
        }
        else
        {
            var tile = shared.Cast<uint>();
            var scratch = staging.SubView(stageBytes / sizeof(float) + warp * Mma16816.ScratchFloats, Mma16816.ScratchFloats);
            int aRow = wm * HalfLinearTiling.WarpTile, bRow = tileM + wn * HalfLinearTiling.WarpTile;
            MmaAccumulator c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (var step = 0; step < steps; step++)
            {
                StageManaged(x, w, tile, s, tid, threads, tileM, tileN, m0, n0, step);
                Group.Barrier();
                for (var kw = 0; kw < HalfLinearTiling.TileK / 2; kw += 8)
                {
                    var f = TensorTileCopy.LoadFragments(tile, aRow, bRow, kw, lane);
                    c00 = Mma16816.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B00, f.B01, c00);
                    c01 = Mma16816.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B10, f.B11, c01);
                    c02 = Mma16816.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B20, f.B21, c02);
                    c03 = Mma16816.Emulate(scratch, lane, f.A00, f.A01, f.A02, f.A03, f.B30, f.B31, c03);
                    c10 = Mma16816.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B00, f.B01, c10);
                    c11 = Mma16816.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B10, f.B11, c11);
                    c12 = Mma16816.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B20, f.B21, c12);
                    c13 = Mma16816.Emulate(scratch, lane, f.A10, f.A11, f.A12, f.A13, f.B30, f.B31, c13);
                }
                Group.Barrier(); // the next step overwrites the tile
            }
            // Where Dump puts them: tile (mi, ni) at 16·mi rows and 8·ni columns from the lane's first element.
            const int Rows16 = 16 * HalfLinearTiling.StagingStride;
            DumpManaged(staging, dumpAt, c00); DumpManaged(staging, dumpAt + 8, c01); DumpManaged(staging, dumpAt + 16, c02); DumpManaged(staging, dumpAt + 24, c03);
            DumpManaged(staging, dumpAt + Rows16, c10); DumpManaged(staging, dumpAt + Rows16 + 8, c11);
            DumpManaged(staging, dumpAt + Rows16 + 16, c12); DumpManaged(staging, dumpAt + Rows16 + 24, c13);
        }
        Group.Barrier();
        Epilogue(staging, bias, residual, y, yFloat, s, tid, threads, tileM, tileN, m0, n0);
    }

    /// <summary>The managed twin of <see cref="TensorTileCopy.CopyStage"/>: the same chunks, packed two halves a word, into the one managed stage.</summary>
    private static void StageManaged(ArrayView<ushort> x, ArrayView<ushort> w, ArrayView<uint> tile, HalfLinearShape s, int tid, int threads,
        int tileM, int tileN, int m0, int n0, int step)
    {
        for (var e = tid; e < (tileM + tileN) * 4; e += threads)
        {
            var chunk = TensorTileCopy.ChunkIndex(e >> 2, e & 3, step, tileM, m0, n0, s.M, s.N, s.K / 8);
            if (e >> 2 < tileM)
                CopyWords(tile, TensorTileCopy.ManagedWord(e), x, chunk);
            else
                CopyWords(tile, TensorTileCopy.ManagedWord(e), w, chunk);
        }
    }

    /// <summary>Chunk <paramref name="chunk"/> (8 halves) of <paramref name="source"/> as four words, element 0 in the low half; zeros for −1.</summary>
    private static void CopyWords(ArrayView<uint> tile, int at, ArrayView<ushort> source, long chunk)
    {
        for (var j = 0; j < 4; j++)
            tile[at + j] = chunk < 0 ? 0u : source[8 * chunk + 2 * j] | ((uint)source[8 * chunk + 2 * j + 1] << 16);
    }

    /// <summary>A C fragment's four elements by the layout: c0, c1 at the lane's element and the next column, c2, c3 eight rows down.</summary>
    private static void DumpManaged(ArrayView<float> staging, int at, MmaAccumulator c)
    {
        staging[at] = c.C0;
        staging[at + 1] = c.C1;
        staging[at + 8 * HalfLinearTiling.StagingStride] = c.C2;
        staging[at + 8 * HalfLinearTiling.StagingStride + 1] = c.C3;
    }

    /// <summary>
    /// The group's output block from the warps' staged accumulators: consecutive threads take consecutive columns
    /// (coalesced reads of bias and residual, writes of Y); bias, activation and residual in fp32, then rounded to fp16.
    /// </summary>
    private static void Epilogue(ArrayView<float> staging, ArrayView<float> bias, ArrayView<ushort> residual, ArrayView<ushort> y,
        ArrayView<float> yFloat, HalfLinearShape s, int tid, int threads, int tileM, int tileN, int m0, int n0)
    {
        for (var e = tid; e < tileM * tileN; e += threads)
        {
            var row = e / tileN;
            var col = e - row * tileN;
            int r = m0 + row, c = n0 + col;
            if (r >= s.M || c >= s.N)
                continue;
            var v = staging[TensorTileCopy.StagedWord(row, col, s.WarpsN)];
            if (s.HasBias != 0)
                v += bias[c];
            v = Activations.Apply(s.Activation, v);
            var i = (long)r * s.N + c;
            if (s.AddResidual != 0)
                v += HalfBits.ToFloat(residual[i]);
            y[i] = (ushort)HalfBits.FromFloat(v);
            if (s.WriteFloat != 0)
                yFloat[i] = v;
        }
    }
}
