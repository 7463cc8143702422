using Bert.Gpu.Backends.Host.Fp32;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ R)</c> on the CPU over weights packed by <see cref="HostLinearWeights"/>: parallel over blocks
/// of rows × groups of column panels, K cut into slices that keep the panels' slice in L1, the register-blocked
/// micro-kernel of the <see cref="HostFp32Path"/> in use, then the activation and residual over each finished block.
/// </summary>
internal static unsafe class HostGemm
{
    private const int Width = HostLinearWeights.PanelWidth;

    /// <summary>Rows per task: a multiple of every path's micro-tile (6, 12, 4), enough tiles to reuse each panel from cache, few enough to spread the work.</summary>
    private const int RowsPerTask = 72;

    public static void Run(float[] x, int rows, HostLinearWeights w, Activation activation, float[]? residual, float[] y, int threads,
        HostFp32Path path)
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
                Block(px, w, pw, pb, py, rowStart, rowEnd, panelStart, panelEnd, path);
                if (activation != Activation.None || pr != null)
                    Epilogue(py, pr, activation, n, rowStart, rowEnd, panelStart * Width, Math.Min(n, panelEnd * Width));
            }
        });
    }

    /// <summary>
    /// One task's rows × panels, slice by slice. An edge panel narrower than 16 columns is accumulated in a 16-wide
    /// scratch tile and copied out at the end, so the micro-kernels always write whole panels.
    /// </summary>
    private static void Block(float* x, HostLinearWeights w, float* packed, float* bias, float* y, int rowStart, int rowEnd,
        int panelStart, int panelEnd, HostFp32Path path)
    {
        int k = w.InFeatures, n = w.OutFeatures, rows = rowEnd - rowStart;
        var edgeColumns = n - (w.Panels - 1) * Width;
        var edge = panelEnd == w.Panels && edgeColumns < Width;
        var fullEnd = edge ? panelEnd - 1 : panelEnd;
        var scratch = stackalloc float[edge ? RowsPerTask * Width : 0];
        var depthPerSlice = HostFp32Paths.DepthPerSlice(path);
        var panelStride = (long)k * Width;
        for (var k0 = 0; k0 < k; k0 += depthPerSlice)
        {
            var depth = Math.Min(depthPerSlice, k - k0);
            var xs = x + (long)rowStart * k + k0;
            HostFp32Paths.Block(path, xs, k, depth, packed + panelStart * panelStride + k0 * Width, panelStride,
                bias + panelStart * Width, y + (long)rowStart * n + panelStart * Width, n, k0 == 0, rows, fullEnd - panelStart);
            if (edge)
                HostFp32Paths.Block(path, xs, k, depth, packed + (w.Panels - 1) * panelStride + k0 * Width, panelStride,
                    bias + (w.Panels - 1) * Width, scratch, Width, k0 == 0, rows, 1);
        }
        if (edge)
            for (var r = 0; r < rows; r++)
                new ReadOnlySpan<float>(scratch + r * Width, edgeColumns).CopyTo(new Span<float>(y + (long)(rowStart + r) * n + (w.Panels - 1) * Width, edgeColumns));
    }

    /// <summary>
    /// The activation, then the residual, over a finished block of Y while it is still in cache. Kept out of the micro-kernels:
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
                v = VectorActivation.Apply(activation, v);
                if (add != null)
                    v += Vector256.Load(add + c);
                v.Store(row + c);
            }
            for (; c < colEnd; c++)
                row[c] = VectorActivation.Apply(activation, row[c]) + (add != null ? add[c] : 0f);
        }
    }
}
