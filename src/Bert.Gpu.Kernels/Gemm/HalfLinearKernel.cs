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
        // This lane's C element (row g, column 2t) of its warp's first fragment in the staging, in floats.
        var dumpAt = warp * (HalfLinearTiling.StagingBytes / sizeof(float)) + (lane >> 2) * HalfLinearTiling.StagingStride + 2 * (lane & 3);

        // The guard is a constant per backend: the CPU accelerator would throw on the asm, OpenCL would silently drop it.
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit(HalfLinearPtx.Declare);
            CopyStage(s, tid, threads, tileM, tileN, m0, n0, 0, 0);
            CudaAsm.Emit(HalfLinearPtx.Commit);
            // ldmatrix rows: X row lane % 16 at halves 8·(lane / 16); W row 8·(lane / 16) + lane % 8 at halves 8·((lane / 8) % 2).
            var aAt = (wm * HalfLinearTiling.WarpTile + (lane & 15)) * HalfLinearTiling.RowBytes + (lane >> 4) * 16;
            var bAt = (tileM + wn * HalfLinearTiling.WarpTile + ((lane >> 4) << 3) + (lane & 7)) * HalfLinearTiling.RowBytes + ((lane >> 3) & 1) * 16;
            for (var step = 0; step < steps; step++)
            {
                // The buffer the next step goes into was last read in step − 1, which ended at a barrier.
                if (step + 1 < steps)
                    CopyStage(s, tid, threads, tileM, tileN, m0, n0, ((step + 1) & 1) * stageBytes, (step + 1) * HalfLinearTiling.TileK);
                CudaAsm.Emit(HalfLinearPtx.Commit);
                CudaAsm.Emit(HalfLinearPtx.WaitPrevious);
                Group.Barrier(); // every thread's copies of this step have landed
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
                StageManaged(x, w, tile, s, tid, threads, tileM, tileN, m0, n0, step * HalfLinearTiling.TileK);
                Group.Barrier();
                for (var kw = 0; kw < HalfLinearTiling.TileK / 2; kw += 8)
                {
                    // What ldmatrix leaves in each lane: A tile mi's register r, B tile ni's register r (k16 step at word kw).
                    uint a00 = AWord(tile, aRow, kw, lane, 0), a01 = AWord(tile, aRow, kw, lane, 1), a02 = AWord(tile, aRow, kw, lane, 2), a03 = AWord(tile, aRow, kw, lane, 3);
                    uint a10 = AWord(tile, aRow + 16, kw, lane, 0), a11 = AWord(tile, aRow + 16, kw, lane, 1), a12 = AWord(tile, aRow + 16, kw, lane, 2), a13 = AWord(tile, aRow + 16, kw, lane, 3);
                    uint b00 = BWord(tile, bRow, kw, lane, 0), b01 = BWord(tile, bRow, kw, lane, 1), b10 = BWord(tile, bRow + 8, kw, lane, 0), b11 = BWord(tile, bRow + 8, kw, lane, 1);
                    uint b20 = BWord(tile, bRow + 16, kw, lane, 0), b21 = BWord(tile, bRow + 16, kw, lane, 1), b30 = BWord(tile, bRow + 24, kw, lane, 0), b31 = BWord(tile, bRow + 24, kw, lane, 1);
                    c00 = Mma16816.Emulate(scratch, lane, a00, a01, a02, a03, b00, b01, c00);
                    c01 = Mma16816.Emulate(scratch, lane, a00, a01, a02, a03, b10, b11, c01);
                    c02 = Mma16816.Emulate(scratch, lane, a00, a01, a02, a03, b20, b21, c02);
                    c03 = Mma16816.Emulate(scratch, lane, a00, a01, a02, a03, b30, b31, c03);
                    c10 = Mma16816.Emulate(scratch, lane, a10, a11, a12, a13, b00, b01, c10);
                    c11 = Mma16816.Emulate(scratch, lane, a10, a11, a12, a13, b10, b11, c11);
                    c12 = Mma16816.Emulate(scratch, lane, a10, a11, a12, a13, b20, b21, c12);
                    c13 = Mma16816.Emulate(scratch, lane, a10, a11, a12, a13, b30, b31, c13);
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

    /// <summary>
    /// Where the 16-byte chunk <paramref name="kc"/> (halves 8·kc…8·kc + 7 of the K step at <paramref name="k0"/>) of
    /// staged row <paramref name="row"/> comes from: an element index into X (rows below <paramref name="tileM"/>) or W
    /// (the rest), or −1 when it lies past M, N or K and is zero. K is a multiple of 8, so a chunk is all in or all out.
    /// </summary>
    private static long ChunkStart(HalfLinearShape s, int row, int kc, int tileM, int m0, int n0, int k0)
    {
        var k = k0 + kc * 8;
        var isX = row < tileM;
        var r = isX ? m0 + row : n0 + row - tileM;
        return k < s.K && r < (isX ? s.M : s.N) ? (long)r * s.K + k : -1;
    }

    /// <summary>Issues this thread's <c>cp.async</c> copies of one K step (<see cref="HalfLinearTiling.StageBytes"/> at byte <paramref name="stage"/>).</summary>
    private static void CopyStage(HalfLinearShape s, int tid, int threads, int tileM, int tileN, int m0, int n0, int stage, int k0)
    {
        for (var e = tid; e < (tileM + tileN) * 4; e += threads)
        {
            int row = e >> 2, kc = e & 3;
            var start = ChunkStart(s, row, kc, tileM, m0, n0, k0);
            // A chunk past the edge copies 0 bytes (zero fill) from the matrix's own first element, a valid address.
            var address = (row < tileM ? s.X : s.W) + (ulong)(start < 0 ? 0 : 2 * start);
            CudaAsm.Emit(HalfLinearPtx.CopyChunk, stage + row * HalfLinearTiling.RowBytes + kc * 16, address, start < 0 ? 0 : 16);
        }
    }

    /// <summary>The managed twin of <see cref="CopyStage"/>: the same chunks, packed two halves a word, into the one managed stage.</summary>
    private static void StageManaged(ArrayView<ushort> x, ArrayView<ushort> w, ArrayView<uint> tile, HalfLinearShape s, int tid, int threads,
        int tileM, int tileN, int m0, int n0, int k0)
    {
        for (var e = tid; e < (tileM + tileN) * 4; e += threads)
        {
            int row = e >> 2, kc = e & 3;
            var start = ChunkStart(s, row, kc, tileM, m0, n0, k0);
            var at = row * (HalfLinearTiling.RowBytes / sizeof(uint)) + kc * 4;
            if (row < tileM)
                CopyWords(tile, at, x, start);
            else
                CopyWords(tile, at, w, start);
        }
    }

    private static void CopyWords(ArrayView<uint> tile, int at, ArrayView<ushort> source, long start)
    {
        for (var j = 0; j < 4; j++)
            tile[at + j] = start < 0 ? 0u : source[start + 2 * j] | ((uint)source[start + 2 * j + 1] << 16);
    }

    /// <summary>
    /// Register <paramref name="r"/> of the A fragment whose 16 rows start at staged row <paramref name="row0"/>: elements
    /// 2r and 2r + 1 of <see cref="Mma16816"/>'s layout, adjacent in k, so one word (<paramref name="kw"/> = the k16 step's first word).
    /// </summary>
    private static uint AWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.ARow(lane, 2 * r)) * (HalfLinearTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.ACol(lane, 2 * r) >> 1)];

    /// <summary>Register <paramref name="r"/> of the B fragment of the n8 tile whose W rows start at staged row <paramref name="row0"/>: B's column n is W's row n.</summary>
    private static uint BWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.BCol(lane)) * (HalfLinearTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.BRow(lane, 2 * r) >> 1)];

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
            var warp = (row / HalfLinearTiling.WarpTile) * s.WarpsN + col / HalfLinearTiling.WarpTile;
            var v = staging[warp * (HalfLinearTiling.StagingBytes / sizeof(float)) + (row % HalfLinearTiling.WarpTile) * HalfLinearTiling.StagingStride
                + col % HalfLinearTiling.WarpTile];
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
