using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// How the tensor-core GEMMs stage a K step of X and W in shared memory, in 16-byte chunks: <see cref="TensorCoreTiling.TileM"/>
/// rows of X then <see cref="TensorCoreTiling.TileN"/> rows of W, 64 bytes each (32 fp16 or 64 int8 values, four chunks)
/// padded to <see cref="TensorCoreTiling.RowBytes"/>. fp16 m16n8k16 and int8 m16n8k32 both consume 32 bytes of K per
/// mma and their fragments are the same <c>ldmatrix</c> 8×8 b16 matrices, so one staging serves both.
/// </summary>
internal static class TensorTileCopy
{
    /// <summary>
    /// Which chunk of its matrix (in 16-byte units from the start) staged chunk <paramref name="e"/> (row e / 4, chunk
    /// e % 4 of the row) holds in K step <paramref name="step"/>, or −1 when it lies past M, N or K and is zero; staged
    /// rows below TileM are X's, the rest W's. Rows are a whole number of chunks, so a chunk is all in or all out.
    /// </summary>
    public static long ChunkIndex(TensorTile t, int e, int step, int m, int n, int chunksPerRow)
    {
        var k = step * 4 + (e & 3);
        var row = e >> 2;
        var isX = row < t.TileM;
        var r = isX ? t.M0 + row : t.N0 + row - t.TileM;
        return k < chunksPerRow && r < (isX ? m : n) ? (long)r * chunksPerRow + k : -1;
    }

    /// <summary>
    /// Issues this thread's <c>cp.async</c> copies of K step <paramref name="step"/> into the stage at byte
    /// <paramref name="stage"/>, from X and W at device addresses <paramref name="x"/> and <paramref name="w"/>. A chunk
    /// past the edge copies 0 bytes (zero fill) from its matrix's first chunk, a valid address.
    /// </summary>
    public static void CopyStage(TensorTile t, ulong x, ulong w, int m, int n, int chunksPerRow, int stage, int step)
    {
        for (var e = t.Tid; e < (t.TileM + t.TileN) * 4; e += t.Threads)
        {
            var chunk = ChunkIndex(t, e, step, m, n, chunksPerRow);
            var address = (e >> 2 < t.TileM ? x : w) + (ulong)(chunk < 0 ? 0 : 16 * chunk);
            CudaAsm.Emit(HalfLinearPtx.CopyChunk, stage + (e >> 2) * TensorCoreTiling.RowBytes + (e & 3) * 16, address, chunk < 0 ? 0 : 16);
        }
    }

    /// <summary>
    /// Waits for step <paramref name="step"/>'s copies, issuing the next step's first if it is before <paramref name="end"/>
    /// (K's step count, or the end of a split-K slice), and makes them visible to the group. Step k goes to buffer k &amp; 1.
    /// </summary>
    public static void Pipeline(TensorTile t, ulong x, ulong w, int m, int n, int chunksPerRow, int step, int end)
    {
        // The buffer the next step goes into was last read in step − 1, which ended at a barrier.
        if (step + 1 < end)
            CopyStage(t, x, w, m, n, chunksPerRow, ((step + 1) & 1) * t.StageBytes, step + 1);
        CudaAsm.Emit(HalfLinearPtx.Commit);
        CudaAsm.Emit(HalfLinearPtx.WaitPrevious);
        Group.Barrier(); // every thread's copies of this step have landed
    }

    /// <summary>
    /// The managed twin of <see cref="CopyStage"/>: the same chunks, four words each, from X and W viewed as words, into
    /// the managed path's one stage at the start of <paramref name="tile"/>.
    /// </summary>
    public static void StageManaged(TensorTile t, ArrayView<uint> x, ArrayView<uint> w, ArrayView<uint> tile, int m, int n, int chunksPerRow, int step)
    {
        for (var e = t.Tid; e < (t.TileM + t.TileN) * 4; e += t.Threads)
        {
            var chunk = ChunkIndex(t, e, step, m, n, chunksPerRow);
            var at = (e >> 2) * (TensorCoreTiling.RowBytes / sizeof(uint)) + (e & 3) * 4;
            for (var j = 0; j < 4; j++)
                tile[at + j] = chunk < 0 ? 0u : e >> 2 < t.TileM ? x[4 * chunk + j] : w[4 * chunk + j];
        }
    }

    /// <summary>
    /// Shared byte offset of this lane's <c>ldmatrix</c> row of X in a stage: row lane % 16 of its warp's first m16 tile,
    /// bytes 16·(lane / 16) on (matrices 0–3: rows 0–7/8–15 × bytes 0–15/16–31, an A fragment).
    /// </summary>
    public static int LdmatrixX(TensorTile t) => (t.XRow + (t.Lane & 15)) * TensorCoreTiling.RowBytes + (t.Lane >> 4) * 16;

    /// <summary>
    /// Shared byte offset of this lane's <c>ldmatrix</c> row of W: row 8·(lane / 16) + lane % 8 of its warp's first 16
    /// columns, bytes 16·((lane / 8) % 2) on (matrices 0–3: the B fragments' two registers of two n8 tiles).
    /// </summary>
    public static int LdmatrixW(TensorTile t) => (t.WRow + ((t.Lane >> 4) << 3) + (t.Lane & 7)) * TensorCoreTiling.RowBytes + ((t.Lane >> 3) & 1) * 16;

    /// <summary>This lane's C element (row g, column 2t) of its warp's first fragment in the epilogue staging, in 4-byte words.</summary>
    public static int DumpWord(TensorTile t) =>
        t.Warp * (TensorCoreTiling.StagingBytes / sizeof(float)) + (t.Lane >> 2) * TensorCoreTiling.StagingStride + 2 * (t.Lane & 3);

    /// <summary>Word of output element (<paramref name="row"/>, <paramref name="col"/>) of the group's block in the warps' staging.</summary>
    public static int StagedWord(int row, int col, int warpsN) =>
        ((row / TensorCoreTiling.WarpTile) * warpsN + col / TensorCoreTiling.WarpTile) * (TensorCoreTiling.StagingBytes / sizeof(float))
        + (row % TensorCoreTiling.WarpTile) * TensorCoreTiling.StagingStride + col % TensorCoreTiling.WarpTile;

    /// <summary>
    /// What the four <c>ldmatrix.x4</c> of one 32-byte K slice (word <paramref name="kw"/> of the managed stage) leave in
    /// this lane: register r of A tile mi sits in row g + 8·(r % 2), word t + 4·(r / 2) of the slice, register r of B tile
    /// ni in W row 8·ni + g, word t + 4r — <see cref="Mma16816"/>'s layout read two halves a word, and
    /// <see cref="Mma16832"/>'s read four bytes a word, land on the same words.
    /// </summary>
    public static WarpFragments LoadFragments(TensorTile t, ArrayView<uint> tile, int kw)
    {
        int aRow = t.XRow, bRow = t.WRow, lane = t.Lane;
        return new()
        {
            A00 = AWord(tile, aRow, kw, lane, 0), A01 = AWord(tile, aRow, kw, lane, 1), A02 = AWord(tile, aRow, kw, lane, 2), A03 = AWord(tile, aRow, kw, lane, 3),
            A10 = AWord(tile, aRow + 16, kw, lane, 0), A11 = AWord(tile, aRow + 16, kw, lane, 1), A12 = AWord(tile, aRow + 16, kw, lane, 2), A13 = AWord(tile, aRow + 16, kw, lane, 3),
            B00 = BWord(tile, bRow, kw, lane, 0), B01 = BWord(tile, bRow, kw, lane, 1), B10 = BWord(tile, bRow + 8, kw, lane, 0), B11 = BWord(tile, bRow + 8, kw, lane, 1),
            B20 = BWord(tile, bRow + 16, kw, lane, 0), B21 = BWord(tile, bRow + 16, kw, lane, 1), B30 = BWord(tile, bRow + 24, kw, lane, 0), B31 = BWord(tile, bRow + 24, kw, lane, 1),
        };
    }

    private static uint AWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.ARow(lane, 2 * r)) * (TensorCoreTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.ACol(lane, 2 * r) >> 1)];

    private static uint BWord(ArrayView<uint> tile, int row0, int kw, int lane, int r) =>
        tile[(row0 + Mma16816.BCol(lane)) * (TensorCoreTiling.RowBytes / sizeof(uint)) + kw + (Mma16816.BRow(lane, 2 * r) >> 1)];
}

/// <summary>One lane's fragment registers of a 32×32 warp tile's K slice: A of m16 tiles 0–1 (4 each), B of n8 tiles 0–3 (2 each).</summary>
internal struct WarpFragments
{
#pragma warning disable CS1591 // register r of tile i: the names say it all
    public uint A00, A01, A02, A03, A10, A11, A12, A13;
    public uint B00, B01, B10, B11, B20, B21, B30, B31;
#pragma warning restore CS1591
}
