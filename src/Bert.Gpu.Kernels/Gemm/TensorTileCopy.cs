using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// How the tensor-core GEMMs stage a K step of X and W in shared memory, in 16-byte chunks: <see cref="HalfLinearTiling.TileM"/>
/// rows of X then <see cref="HalfLinearTiling.TileN"/> rows of W, 64 bytes each (32 fp16 or 64 int8 values, four chunks)
/// padded to <see cref="HalfLinearTiling.RowBytes"/>. fp16 m16n8k16 and int8 m16n8k32 both consume 32 bytes of K per
/// mma and their fragments are the same <c>ldmatrix</c> 8×8 b16 matrices, so one staging serves both.
/// </summary>
internal static class TensorTileCopy
{
    /// <summary>
    /// Which chunk of its matrix (in 16-byte units from the start) staged chunk <paramref name="kc"/> of staged row
    /// <paramref name="row"/> holds in K step <paramref name="step"/>, or −1 when it lies past M, N or K and is zero;
    /// rows below <paramref name="tileM"/> are X's, the rest W's. Rows are a whole number of chunks, so a chunk is all in or all out.
    /// </summary>
    public static long ChunkIndex(int row, int kc, int step, int tileM, int m0, int n0, int m, int n, int chunksPerRow)
    {
        var k = step * 4 + kc;
        var isX = row < tileM;
        var r = isX ? m0 + row : n0 + row - tileM;
        return k < chunksPerRow && r < (isX ? m : n) ? (long)r * chunksPerRow + k : -1;
    }

    /// <summary>
    /// Issues this thread's <c>cp.async</c> copies of K step <paramref name="step"/> into the stage at byte
    /// <paramref name="stage"/>, from X and W at device addresses <paramref name="x"/> and <paramref name="w"/>. A chunk
    /// past the edge copies 0 bytes (zero fill) from its matrix's first chunk, a valid address.
    /// </summary>
    public static void CopyStage(ulong x, ulong w, int m, int n, int chunksPerRow, int tid, int threads, int tileM, int tileN,
        int m0, int n0, int stage, int step)
    {
        for (var e = tid; e < (tileM + tileN) * 4; e += threads)
        {
            int row = e >> 2, kc = e & 3;
            var chunk = ChunkIndex(row, kc, step, tileM, m0, n0, m, n, chunksPerRow);
            var address = (row < tileM ? x : w) + (ulong)(chunk < 0 ? 0 : 16 * chunk);
            CudaAsm.Emit(HalfLinearPtx.CopyChunk, stage + row * HalfLinearTiling.RowBytes + kc * 16, address, chunk < 0 ? 0 : 16);
        }
    }

    /// <summary>Word offset of staged chunk <paramref name="e"/> (row e / 4, chunk e % 4) in the managed path's one stage.</summary>
    public static int ManagedWord(int e) => (e >> 2) * (HalfLinearTiling.RowBytes / sizeof(uint)) + (e & 3) * 4;

    /// <summary>
    /// Shared byte offset of this lane's <c>ldmatrix</c> row of X in a stage: row lane % 16 of its warp's first m16 tile,
    /// bytes 16·(lane / 16) on (matrices 0–3: rows 0–7/8–15 × bytes 0–15/16–31, an A fragment).
    /// </summary>
    public static int LdmatrixX(int wm, int lane) => (wm * HalfLinearTiling.WarpTile + (lane & 15)) * HalfLinearTiling.RowBytes + (lane >> 4) * 16;

    /// <summary>
    /// Shared byte offset of this lane's <c>ldmatrix</c> row of W: row 8·(lane / 16) + lane % 8 of its warp's first 16
    /// columns, bytes 16·((lane / 8) % 2) on (matrices 0–3: the B fragments' two registers of two n8 tiles).
    /// </summary>
    public static int LdmatrixW(int tileM, int wn, int lane) =>
        (tileM + wn * HalfLinearTiling.WarpTile + ((lane >> 4) << 3) + (lane & 7)) * HalfLinearTiling.RowBytes + ((lane >> 3) & 1) * 16;

    /// <summary>This lane's C element (row g, column 2t) of its warp's first fragment in the epilogue staging, in 4-byte words.</summary>
    public static int DumpWord(int warp, int lane) =>
        warp * (HalfLinearTiling.StagingBytes / sizeof(float)) + (lane >> 2) * HalfLinearTiling.StagingStride + 2 * (lane & 3);

    /// <summary>Word of output element (<paramref name="row"/>, <paramref name="col"/>) of the group's block in the warps' staging.</summary>
    public static int StagedWord(int row, int col, int warpsN) =>
        ((row / HalfLinearTiling.WarpTile) * warpsN + col / HalfLinearTiling.WarpTile) * (HalfLinearTiling.StagingBytes / sizeof(float))
        + (row % HalfLinearTiling.WarpTile) * HalfLinearTiling.StagingStride + col % HalfLinearTiling.WarpTile;

    /// <summary>Waits for this step's copies, issues the next step's (if any) first, and makes all of them visible to the group.</summary>
    public static void Pipeline(ulong x, ulong w, int m, int n, int chunksPerRow, int tid, int threads, int tileM, int tileN,
        int m0, int n0, int stageBytes, int step, int steps)
    {
        // The buffer the next step goes into was last read in step − 1, which ended at a barrier.
        if (step + 1 < steps)
            CopyStage(x, w, m, n, chunksPerRow, tid, threads, tileM, tileN, m0, n0, ((step + 1) & 1) * stageBytes, step + 1);
        CudaAsm.Emit(HalfLinearPtx.Commit);
        CudaAsm.Emit(HalfLinearPtx.WaitPrevious);
        Group.Barrier(); // every thread's copies of this step have landed
    }

    /// <summary>
    /// What the four <c>ldmatrix.x4</c> of one 32-byte K slice (word <paramref name="kw"/> of the managed stage) leave in
    /// this lane: register r of A tile mi sits in row g + 8·(r % 2), word t + 4·(r / 2) of the slice, register r of B tile
    /// ni in W row 8·ni + g, word t + 4r — <see cref="Mma16816"/>'s layout read two halves a word, and
    /// <see cref="Mma16832"/>'s read four bytes a word, land on the same words.
    /// </summary>
    public static WarpFragments LoadFragments(ArrayView<uint> tile, int aRow, int bRow, int kw, int lane) => new()
    {
        A00 = AWord(tile, aRow, kw, lane, 0), A01 = AWord(tile, aRow, kw, lane, 1), A02 = AWord(tile, aRow, kw, lane, 2), A03 = AWord(tile, aRow, kw, lane, 3),
        A10 = AWord(tile, aRow + 16, kw, lane, 0), A11 = AWord(tile, aRow + 16, kw, lane, 1), A12 = AWord(tile, aRow + 16, kw, lane, 2), A13 = AWord(tile, aRow + 16, kw, lane, 3),
        B00 = BWord(tile, bRow, kw, lane, 0), B01 = BWord(tile, bRow, kw, lane, 1), B10 = BWord(tile, bRow + 8, kw, lane, 0), B11 = BWord(tile, bRow + 8, kw, lane, 1),
        B20 = BWord(tile, bRow + 16, kw, lane, 0), B21 = BWord(tile, bRow + 16, kw, lane, 1), B30 = BWord(tile, bRow + 24, kw, lane, 0), B31 = BWord(tile, bRow + 24, kw, lane, 1),
    };

    private static uint AWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.ARow(lane, 2 * r)) * (HalfLinearTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.ACol(lane, 2 * r) >> 1)];

    private static uint BWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.BCol(lane)) * (HalfLinearTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.BRow(lane, 2 * r) >> 1)];
}

/// <summary>One lane's fragment registers of a 32×32 warp tile's K slice: A of m16 tiles 0–1 (4 each), B of n8 tiles 0–3 (2 each).</summary>
internal struct WarpFragments
{
#pragma warning disable CS1591 // register r of tile i: the names say it all
    public uint A00, A01, A02, A03, A10, A11, A12, A13;
    public uint B00, B01, B10, B11, B20, B21, B30, B31;
#pragma warning restore CS1591
}
