using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ R)</c> on the CPU: a 6×16 register-blocked micro-kernel (12 accumulators, two panel loads
/// and one broadcast per k: 15 of the 16 AVX2 registers) over weights packed by <see cref="HostLinearWeights"/>,
/// parallel over blocks of rows and groups of panels.
/// </summary>
internal static unsafe class HostGemm
{
    private const int MicroRows = 6;
    private const int Width = HostLinearWeights.PanelWidth;

    /// <summary>Rows per task: enough micro-tiles to reuse each panel from cache, few enough to spread the work.</summary>
    private const int RowsPerTask = MicroRows * 12;

    public static void Run(float[] x, int rows, HostLinearWeights w, Activation activation, float[]? residual, float[] y, int threads)
    {
        int k = w.InFeatures, n = w.OutFeatures;
        if (x.Length < (long)rows * k)
            throw new ArgumentException($"X holds {x.Length} values, fewer than {rows}×{k}.", nameof(x));
        if (y.Length < (long)rows * n || (residual is not null && residual.Length < (long)rows * n))
            throw new ArgumentException($"Y or the residual holds fewer than {rows}×{n} values.", nameof(y));
        if (rows == 0)
            return;

        var rowBlocks = (rows + RowsPerTask - 1) / RowsPerTask;
        // Small batches have few row blocks: split the panels too so every thread has work.
        var panelGroups = Math.Clamp(4 * threads / rowBlocks, 1, w.Panels);
        var panelsPerGroup = (w.Panels + panelGroups - 1) / panelGroups;
        panelGroups = (w.Panels + panelsPerGroup - 1) / panelsPerGroup;

        Parallel.For(0, rowBlocks * panelGroups, new ParallelOptions { MaxDegreeOfParallelism = threads }, task =>
        {
            var rowStart = task / panelGroups * RowsPerTask;
            var rowEnd = Math.Min(rows, rowStart + RowsPerTask);
            var panelStart = task % panelGroups * panelsPerGroup;
            var panelEnd = Math.Min(w.Panels, panelStart + panelsPerGroup);
            fixed (float* px = x, pw = w.Packed, pb = w.Bias, py = y, pr = residual)
            {
                for (var panel = panelStart; panel < panelEnd; panel++)
                {
                    var cols = Math.Min(Width, n - panel * Width);
                    var wp = pw + (long)panel * k * Width;
                    var r = rowStart;
                    for (; r + MicroRows <= rowEnd; r += MicroRows)
                        Kernel6x16(px + (long)r * k, k, wp, pb + panel * Width, activation, pr, py, r, n, panel * Width, cols);
                    for (; r < rowEnd; r++)
                        Kernel1x16(px + (long)r * k, k, wp, pb + panel * Width, activation, pr, py, r, n, panel * Width, cols);
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* x, int k, float* w, float* bias, Activation act, float* residual, float* y,
        int row, int n, int col, int cols)
    {
        var b0 = Vector256.Load(bias);
        var b1 = Vector256.Load(bias + 8);
        Vector256<float> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1,
            c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1;
        float* x0 = x, x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k, x4 = x + 4 * k, x5 = x + 5 * k;
        for (var p = 0; p < k; p++, w += Width)
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
        Store(c00, c01, act, residual, y, (long)row * n + col, cols);
        Store(c10, c11, act, residual, y, (long)(row + 1) * n + col, cols);
        Store(c20, c21, act, residual, y, (long)(row + 2) * n + col, cols);
        Store(c30, c31, act, residual, y, (long)(row + 3) * n + col, cols);
        Store(c40, c41, act, residual, y, (long)(row + 4) * n + col, cols);
        Store(c50, c51, act, residual, y, (long)(row + 5) * n + col, cols);
    }

    private static void Kernel1x16(float* x, int k, float* w, float* bias, Activation act, float* residual, float* y,
        int row, int n, int col, int cols)
    {
        var c0 = Vector256.Load(bias);
        var c1 = Vector256.Load(bias + 8);
        for (var p = 0; p < k; p++, w += Width)
        {
            var a = Vector256.Create(x[p]);
            c0 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w), c0);
            c1 = Vector256.FusedMultiplyAdd(a, Vector256.Load(w + 8), c1);
        }
        Store(c0, c1, act, residual, y, (long)row * n + col, cols);
    }

    /// <summary>Epilogue for 16 accumulated columns at <c>y + offset</c>, of which <paramref name="cols"/> exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> c0, Vector256<float> c1, Activation act, float* residual, float* y, long offset, int cols)
    {
        if (act == Activation.Gelu)
        {
            c0 = VectorGelu.Apply(c0);
            c1 = VectorGelu.Apply(c1);
        }
        if (cols == Width)
        {
            if (residual != null)
            {
                c0 += Vector256.Load(residual + offset);
                c1 += Vector256.Load(residual + offset + 8);
            }
            c0.Store(y + offset);
            c1.Store(y + offset + 8);
            return;
        }
        var tile = stackalloc float[Width];
        c0.Store(tile);
        c1.Store(tile + 8);
        for (var j = 0; j < cols; j++)
            y[offset + j] = tile[j] + (residual != null ? residual[offset + j] : 0f);
    }
}
