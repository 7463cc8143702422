using System.Buffers;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// <c>Y = act(dequant(Xq·Wqᵀ) + b) (+ R)</c> on the CPU: X is quantized to int8 (<see cref="ActivationQuantization"/>)
/// as each task packs its rows, products are accumulated in int32 exactly, and the epilogue gives
/// <c>y = acc·(scale_x[r]·scale_w[c]) + b[c]</c>, then GELU, then the residual. Parallel over blocks of rows and groups of
/// column panels as <see cref="HostGemm"/> is; the micro-kernel is the <see cref="Path"/> chosen once per process.
/// </summary>
internal static unsafe class HostInt8Gemm
{
    /// <summary>Rows per task: 18 groups of the 4-row micro-tile, as many rows as <see cref="HostGemm"/>'s tasks.</summary>
    private const int RowsPerTask = 72;

    /// <summary>The micro-kernel every call uses unless a test forces another.</summary>
    public static HostInt8Path Path { get; } = HostInt8Paths.Best();

    /// <param name="x">Activations <c>[rows, in]</c>; must not overlap <paramref name="y"/>.</param>
    /// <param name="rows">Rows of X and Y (tokens).</param>
    /// <param name="w">The layer.</param>
    /// <param name="quantization">How X becomes int8.</param>
    /// <param name="activation">Applied after the bias.</param>
    /// <param name="residual">Added after the activation, <c>[rows, out]</c>, or empty; must not overlap <paramref name="y"/>.</param>
    /// <param name="y">Output <c>[rows, out]</c>.</param>
    /// <param name="threads">Worker threads, as <see cref="HostBackend"/> passes them.</param>
    public static void Run(ReadOnlySpan<float> x, int rows, HostInt8LinearWeights w, ActivationQuantization quantization,
        Activation activation, ReadOnlySpan<float> residual, Span<float> y, int threads) =>
        Run(x, rows, w, quantization, activation, residual, y, threads, Path);

    /// <summary>As the other overload, on a given path (tests run every path the machine has).</summary>
    public static void Run(ReadOnlySpan<float> x, int rows, HostInt8LinearWeights w, ActivationQuantization quantization,
        Activation activation, ReadOnlySpan<float> residual, Span<float> y, int threads, HostInt8Path path)
    {
        int k = w.InFeatures, n = w.OutFeatures;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        if (!HostInt8Paths.IsSupported(path))
            throw new PlatformNotSupportedException($"This CPU cannot run the {HostInt8Paths.Name(path)} kernel.");
        if (x.Length < (long)rows * k)
            throw new ArgumentException($"X holds {x.Length} values, fewer than {rows}×{k}.", nameof(x));
        if (y.Length < (long)rows * n || (!residual.IsEmpty && residual.Length < (long)rows * n))
            throw new ArgumentException($"Y or the residual holds fewer than {rows}×{n} values.", nameof(y));
        // Tasks write Y while others still read X and the residual: memory they share would be read after it is overwritten.
        if (x.Overlaps(y) || residual.Overlaps(y))
            throw new ArgumentException("Y must not overlap X or the residual.", nameof(y));
        if (rows == 0)
            return;

        var tasks = GemmTasks.For(rows, RowsPerTask, w.Panels, threads);

        fixed (float* px = x, pr = residual, py = y)
        {
            var job = new Job(px, rows, w, quantization, activation, pr, py, path, tasks.PanelGroups, tasks.PanelsPerGroup);
            Parallel.For(0, tasks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Run);
        }
    }

    /// <summary>One call's operands, shared by its tasks (pointers into memory pinned for the whole call).</summary>
    private sealed class Job(float* x, int rows, HostInt8LinearWeights w, ActivationQuantization quantization,
        Activation activation, float* residual, float* y, HostInt8Path path, int panelGroups, int panelsPerGroup)
    {
        /// <summary>Quantizes one block of rows, then accumulates each panel over K and finishes it with the epilogue.</summary>
        public void Run(int task)
        {
            int k = w.InFeatures, n = w.OutFeatures, quads = w.Quads;
            var rowStart = task / panelGroups * RowsPerTask;
            var rowCount = Math.Min(rows - rowStart, RowsPerTask);
            var groups = (rowCount + Int8ActivationPacking.RowsPerGroup - 1) / Int8ActivationPacking.RowsPerGroup;
            var panelStart = task % panelGroups * panelsPerGroup;
            var panelEnd = Math.Min(w.Panels, panelStart + panelsPerGroup);
            var slices = (quads + Int8ActivationPacking.QuadsPerSlice - 1) / Int8ActivationPacking.QuadsPerSlice;
            // [slice][group]: the kernel visits the groups of one slice in turn, so their records follow one another.
            var sliceStride = groups * Int8ActivationPacking.SliceInts;
            var records = ArrayPool<int>.Shared.Rent(slices * sliceStride);
            var rowScales = (stackalloc float[RowsPerTask])[..rowCount];
            var pw = w.Weights;
            fixed (int* pr = records)
            {
                for (var r = 0; r < groups * Int8ActivationPacking.RowsPerGroup; r++)
                {
                    var at = pr + r / Int8ActivationPacking.RowsPerGroup * Int8ActivationPacking.SliceInts
                        + r % Int8ActivationPacking.RowsPerGroup * Int8ActivationPacking.RowStride;
                    if (r < rowCount)
                        rowScales[r] = Int8ActivationPacking.Row(new ReadOnlySpan<float>(x + (long)(rowStart + r) * k, k), quantization,
                            quads, at, sliceStride);
                    else
                        Int8ActivationPacking.Padding(quads, at, sliceStride);
                }

                // The block's sums for one panel, contiguous (72 × 24 int32 = 6.9 KB). Accumulated in Y itself, rows N·4
                // bytes apart, a tile's rows fell into a few L1 sets (all into one for N = 3072, 12 KB apart) and thrashed:
                // the kernels ran at 115 GOP/s instead of 162 at 2048×1536×384. Whole tiles: no edge code in the kernels.
                var acc = stackalloc int[RowsPerTask * HostInt8LinearWeights.PanelWidth];
                for (var panel = panelStart; panel < panelEnd; panel++)
                {
                    for (var slice = 0; slice < slices; slice++)
                    {
                        var j0 = slice * Int8ActivationPacking.QuadsPerSlice;
                        var depth = Math.Min(Int8ActivationPacking.QuadsPerSlice, quads - j0);
                        var wp = pw + ((long)panel * quads + j0) * HostInt8LinearWeights.QuadBytes;
                        for (var g = 0; g < groups; g++)
                            Tile(pr + ((long)slice * groups + g) * Int8ActivationPacking.SliceInts, depth, wp,
                                acc + g * Int8ActivationPacking.RowsPerGroup * HostInt8LinearWeights.PanelWidth, slice == 0);
                    }
                    var col = panel * HostInt8LinearWeights.PanelWidth;
                    Int8Epilogue.Tile(acc, y, residual, n, rowStart, rowScales, w, activation, col,
                        Math.Min(HostInt8LinearWeights.PanelWidth, n - col));
                }
            }
            ArrayPool<int>.Shared.Return(records);
        }

        private void Tile(int* records, int quads, sbyte* panel, int* acc, bool first)
        {
            if (path == HostInt8Path.Avx2)
                Int8Avx2Kernel.Tile(records, quads, panel, acc, HostInt8LinearWeights.PanelWidth, first);
            else
                Int8PortableKernel.Tile(records, quads, panel, acc, HostInt8LinearWeights.PanelWidth, first);
        }
    }
}
