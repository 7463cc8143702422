using ILGPU;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// Where this thread stands in a tensor-core GEMM's group (<see cref="TensorCoreTiling"/>): a 1-D group of 32·warps
/// threads, warps row-major over the block, the grid's x over N and y over M.
/// </summary>
internal readonly struct TensorTile
{
    /// <summary>The current thread's, in a group whose warps are <paramref name="warpsN"/> to a block row.</summary>
    public TensorTile(int warpsN)
    {
        Tid = Group.IdxX;
        Threads = Group.DimX;
        Lane = Tid & 31;
        Warp = Tid >> 5;
        WarpsN = warpsN;
        TileN = warpsN * TensorCoreTiling.WarpTile;
        TileM = (Threads >> 5) / warpsN * TensorCoreTiling.WarpTile;
        M0 = Grid.IdxY * TileM;
        N0 = Grid.IdxX * TileN;
        StageBytes = (TileM + TileN) * TensorCoreTiling.RowBytes;
    }

    /// <summary>Thread index in the group, group size, lane, warp, and warps along N.</summary>
    public int Tid { get; }

    /// <inheritdoc cref="Tid"/>
    public int Threads { get; }

    /// <inheritdoc cref="Tid"/>
    public int Lane { get; }

    /// <inheritdoc cref="Tid"/>
    public int Warp { get; }

    /// <inheritdoc cref="Tid"/>
    public int WarpsN { get; }

    /// <summary>The block's rows and columns, and its first row and column in the output.</summary>
    public int TileM { get; }

    /// <inheritdoc cref="TileM"/>
    public int TileN { get; }

    /// <inheritdoc cref="TileM"/>
    public int M0 { get; }

    /// <inheritdoc cref="TileM"/>
    public int N0 { get; }

    /// <summary>Bytes of one staged K step: TileM rows of X, then TileN rows of W.</summary>
    public int StageBytes { get; }

    /// <summary>The staged row of this warp's first X row and of its first W row.</summary>
    public int XRow => Warp / WarpsN * TensorCoreTiling.WarpTile;

    /// <inheritdoc cref="XRow"/>
    public int WRow => TileM + Warp % WarpsN * TensorCoreTiling.WarpTile;

    /// <summary>
    /// Block element <paramref name="e"/> (row-major; consecutive threads take consecutive columns, so the epilogue's
    /// global reads and writes coalesce) as an output position and its word in the warps' accumulator staging; its
    /// <see cref="TileOutput.Index"/> is −1 past M or N.
    /// </summary>
    public TileOutput Output(int e, int m, int n)
    {
        var row = e / TileN;
        var col = e - row * TileN;
        int r = M0 + row, c = N0 + col;
        return new TileOutput(r < m && c < n ? r * n + c : -1, r, c, TensorTileCopy.StagedWord(row, col, WarpsN));
    }
}

/// <summary>An output element of a block: its index in Y (−1 when outside), row, column, and staging word.</summary>
internal readonly record struct TileOutput(int Index, int Row, int Col, int Staged);
