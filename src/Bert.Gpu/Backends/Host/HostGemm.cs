using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ R)</c> on the CPU: a 6×16 register-blocked micro-kernel (12 accumulators, two panel loads
/// and one broadcast per k: 15 of the 16 AVX2 registers) over weights packed by <see cref="HostLinearWeights"/>,
/// parallel over blocks of rows and groups of panels, then the activation and residual over each finished block.
/// </summary>
internal static unsafe class HostGemm
{
    private const int MicroRows = 6;
    private const int Width = HostLinearWeights.PanelWidth;

    /// <summary>Rows per task: enough micro-tiles to reuse each panel from cache, few enough to spread the work.</summary>
    private const int RowsPerTask = MicroRows * 12;

    /// <summary>K slice: 256 × 16 floats = 16 KB of panel, half of a 32 KB L1.</summary>
    private const int DepthPerSlice = 256;

    public static void Run(float[] x, int rows, HostLinearWeights w, Activation activation, float[]? residual, float[] y, int threads)
    {
        int k = w.InFeatures, n = w.OutFeatures;
        if (x.Length < (long)rows * k)
            throw new ArgumentException($"X holds {x.Length} values, fewer than {rows}×{k}.", nameof(x));
        if (y.Length < (long)rows * n || (residual is not null && residual.Length < (long)rows * n))
            throw new ArgumentException($"Y or the residual holds fewer than {rows}×{n} values.", nameof(y));
        if (rows == 0)
            return;

        var tasks = GemmTasks.For(rows, RowsPerTask, w.Panels, threads);
        var (panelGroups, panelsPerGroup) = (tasks.PanelGroups, tasks.PanelsPerGroup);
        Parallel.For(0, tasks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, task =>
        {
            var rowStart = task / panelGroups * RowsPerTask;
            var rowEnd = Math.Min(rows, rowStart + RowsPerTask);
            var panelStart = task % panelGroups * panelsPerGroup;
            var panelEnd = Math.Min(w.Panels, panelStart + panelsPerGroup);
            fixed (float* px = x, pw = w.Packed, pb = w.Bias, py = y, pr = residual)
            {
                // K is cut into slices so a panel's slice (DepthPerSlice × 16 floats) stays in L1 while every
                // micro-tile of the row block streams it; partial sums live in Y between slices.
                for (var k0 = 0; k0 < k; k0 += DepthPerSlice)
                {
                    var depth = Math.Min(DepthPerSlice, k - k0);
                    var tile = new Tile(k0 == 0, py, n);
                    for (var panel = panelStart; panel < panelEnd; panel++)
                    {
                        var cols = Math.Min(Width, n - panel * Width);
                        var wp = pw + ((long)panel * k + k0) * Width;
                        var bias = pb + panel * Width;
                        var r = rowStart;
                        for (; r + MicroRows <= rowEnd; r += MicroRows)
                            Kernel6x16(px + (long)r * k + k0, k, depth, wp, bias, tile, r, panel * Width, cols);
                        for (; r < rowEnd; r++)
                            Kernel1x16(px + (long)r * k + k0, depth, wp, bias, tile, r, panel * Width, cols);
                    }
                }
                if (activation != Activation.None || pr != null)
                    Epilogue(py, pr, activation, n, rowStart, rowEnd, panelStart * Width, Math.Min(n, panelEnd * Width));
            }
        });
    }

    /// <summary>
    /// GELU, then the residual, over a finished block of Y while it is still in cache. Kept out of the micro-kernels:
    /// a call after their loop (GELU does not inline) makes the JIT spill the accumulators on every iteration.
    /// </summary>
    private static void Epilogue(float* y, float* residual, Activation activation, int n, int rowStart, int rowEnd, int colStart, int colEnd)
    {
        for (var r = rowStart; r < rowEnd; r++)
        {
            var row = y + (long)r * n;
            var add = residual == null ? null : residual + (long)r * n;
            var c = colStart;
            for (; c + 8 <= colEnd; c += 8)
            {
                var v = Vector256.Load(row + c);
                if (activation == Activation.Gelu)
                    v = VectorGelu.Apply(v);
                if (add != null)
                    v += Vector256.Load(add + c);
                v.Store(row + c);
            }
            for (; c < colEnd; c++)
                row[c] = (activation == Activation.Gelu ? Gelu.Apply(row[c]) : row[c]) + (add != null ? add[c] : 0f);
        }
    }

    /// <summary>Where a micro-tile's accumulators come from and go to in the current K slice.</summary>
    private readonly struct Tile(bool first, float* y, int n)
    {
        /// <summary>The bias on the first slice, the partial sums in Y after that.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector256<float>, Vector256<float>) Load(float* bias, int row, int col, int cols)
        {
            if (first)
                return (Vector256.Load(bias), Vector256.Load(bias + 8));
            var at = y + (long)row * n + col;
            if (cols == Width)
                return (Vector256.Load(at), Vector256.Load(at + 8));
            var c0 = Vector256<float>.Zero;
            var c1 = Vector256<float>.Zero;
            for (var j = 0; j < cols; j++)
            {
                if (j < 8)
                    c0 = c0.WithElement(j, at[j]);
                else
                    c1 = c1.WithElement(j - 8, at[j]);
            }
            return (c0, c1);
        }

        /// <summary>The sums so far back to Y.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(Vector256<float> c0, Vector256<float> c1, int row, int col, int cols)
        {
            var offset = (long)row * n + col;
            if (cols == Width)
            {
                c0.Store(y + offset);
                c1.Store(y + offset + 8);
                return;
            }
            // The edge panel, element by element: a stackalloc'd buffer would stop this method from inlining, and the
            // call would push the micro-kernel's accumulators out of registers.
            for (var j = 0; j < cols; j++)
                y[offset + j] = j < 8 ? c0.GetElement(j) : c1.GetElement(j - 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* x, int k, int depth, float* w, float* bias, in Tile tile, int row, int col, int cols)
    {
        var (c00, c01) = tile.Load(bias, row, col, cols);
        var (c10, c11) = tile.Load(bias, row + 1, col, cols);
        var (c20, c21) = tile.Load(bias, row + 2, col, cols);
        var (c30, c31) = tile.Load(bias, row + 3, col, cols);
        var (c40, c41) = tile.Load(bias, row + 4, col, cols);
        var (c50, c51) = tile.Load(bias, row + 5, col, cols);
        float* x0 = x, x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k, x4 = x + 4 * k, x5 = x + 5 * k;
        for (var p = 0; p < depth; p++, w += Width)
        {
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + 8);
            var a = Vector256.Create(x0[p]);
            c00 = Vector256.FusedMultiplyAdd(a, w0, c00);
            c01 = Vector256.FusedMultiplyAdd(a, w1, c01);
            a = Vector256.Create(x1[p]);
            c10 = Vector256.FusedMultiplyAdd(a, w0, c10);
            c11 = Vector256.FusedMultiplyAdd(a, w1, c11);
            a = Vector256.Create(x2[p]);
            c20 = Vector256.FusedMultiplyAdd(a, w0, c20);
            c21 = Vector256.FusedMultiplyAdd(a, w1, c21);
            a = Vector256.Create(x3[p]);
            c30 = Vector256.FusedMultiplyAdd(a, w0, c30);
            c31 = Vector256.FusedMultiplyAdd(a, w1, c31);
            a = Vector256.Create(x4[p]);
            c40 = Vector256.FusedMultiplyAdd(a, w0, c40);
            c41 = Vector256.FusedMultiplyAdd(a, w1, c41);
            a = Vector256.Create(x5[p]);
            c50 = Vector256.FusedMultiplyAdd(a, w0, c50);
            c51 = Vector256.FusedMultiplyAdd(a, w1, c51);
        }
        tile.Store(c00, c01, row, col, cols);
        tile.Store(c10, c11, row + 1, col, cols);
        tile.Store(c20, c21, row + 2, col, cols);
        tile.Store(c30, c31, row + 3, col, cols);
        tile.Store(c40, c41, row + 4, col, cols);
        tile.Store(c50, c51, row + 5, col, cols);
    }

    private static void Kernel1x16(float* x, int depth, float* w, float* bias, in Tile tile, int row, int col, int cols)
    {
        var (c0, c1) = tile.Load(bias, row, col, cols);
        for (var p = 0; p < depth; p++, w += Width)
        {
            var a = Vector256.Create(x[p]);
            c0 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w), c0);
            c1 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w + 8), c1);
        }
        tile.Store(c0, c1, row, col, cols);
    }
}
