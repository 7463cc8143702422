using System.Buffers;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// <c>Y = act(dequant(Xq·Wqᵀ) + b) (+ R)</c> on the CPU: X is quantized to int8 (<see cref="ActivationQuantization"/>)
/// as each task packs its rows, products are accumulated in int32 exactly, and the epilogue gives
/// <c>y = acc·(scale_x[r]·scale_w[c]) + b[c]</c>, then GELU, then the residual. Parallel over blocks of rows and groups of
/// column panels as <see cref="HostGemm"/> is; the micro-kernel is the <see cref="Path"/> chosen once per process.
/// </summary>
internal static unsafe class HostInt8Gemm
{
    /// <summary>Rows per task: a multiple of the 6-row micro-tile, as in <see cref="HostGemm"/>.</summary>
    private const int RowsPerTask = 72;

    /// <summary>K slice, in pairs: 256 pairs × 16 columns × 4 bytes = 16 KB of panel, half of a 32 KB L1.</summary>
    private const int PairsPerSlice = 256;

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
        // Y holds int32 partial sums until the epilogue: an input sharing its memory would be read after it is overwritten.
        if (x.Overlaps(y) || residual.Overlaps(y))
            throw new ArgumentException("Y must not overlap X or the residual.", nameof(y));
        if (rows == 0)
            return;

        var rowBlocks = (rows + RowsPerTask - 1) / RowsPerTask;
        // Small batches have few row blocks: split the panels too so every thread has work (each group re-quantizes its
        // rows, which costs 1/N of the block's multiply-adds).
        var panelGroups = Math.Clamp(4 * threads / rowBlocks, 1, w.Panels);
        var panelsPerGroup = (w.Panels + panelGroups - 1) / panelGroups;
        panelGroups = (w.Panels + panelsPerGroup - 1) / panelsPerGroup;

        fixed (float* px = x, pr = residual, py = y)
        {
            var job = new Job(px, rows, w, quantization, activation, pr, py, path, panelGroups, panelsPerGroup);
            Parallel.For(0, rowBlocks * panelGroups, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Run);
        }
    }

    /// <summary>One call's operands, shared by its tasks (pointers into memory pinned for the whole call).</summary>
    private sealed class Job(float* x, int rows, HostInt8LinearWeights w, ActivationQuantization quantization,
        Activation activation, float* residual, float* y, HostInt8Path path, int panelGroups, int panelsPerGroup)
    {
        /// <summary>Quantizes one block of rows, then accumulates its panels slice by slice, each finished by the epilogue.</summary>
        public void Run(int task)
        {
            int k = w.InFeatures, n = w.OutFeatures, pairs = w.Pairs;
            var rowStart = task / panelGroups * RowsPerTask;
            var rowCount = Math.Min(rows - rowStart, RowsPerTask);
            var panelStart = task % panelGroups * panelsPerGroup;
            var panelEnd = Math.Min(w.Panels, panelStart + panelsPerGroup);
            var stride = 2 * pairs;
            var packed = ArrayPool<short>.Shared.Rent(rowCount * stride);
            var rowScales = (stackalloc float[RowsPerTask])[..rowCount];
            for (var r = 0; r < rowCount; r++)
                rowScales[r] = Int8ActivationPacking.Row(new ReadOnlySpan<float>(x + (long)(rowStart + r) * k, k), quantization,
                    packed.AsSpan(r * stride, stride));

            var slices = (pairs + PairsPerSlice - 1) / PairsPerSlice;
            var slicePairs = (pairs + slices - 1) / slices;
            fixed (short* pa = packed, pw = w.Packed)
            {
                for (var p0 = 0; p0 < pairs; p0 += slicePairs)
                {
                    var depth = Math.Min(slicePairs, pairs - p0);
                    var tile = new Int32Tile(p0 == 0, (int*)y, n);
                    for (var panel = panelStart; panel < panelEnd; panel++)
                    {
                        var col = panel * HostInt8LinearWeights.PanelWidth;
                        var cols = Math.Min(HostInt8LinearWeights.PanelWidth, n - col);
                        var wp = pw + ((long)panel * pairs + p0) * 2 * HostInt8LinearWeights.PanelWidth;
                        if (path == HostInt8Path.Avx2)
                            Int8Avx2Kernel.Block(pa + 2 * p0, stride, rowCount, depth, wp, tile, rowStart, col, cols);
                        else
                            Int8PortableKernel.Block(pa + 2 * p0, stride, rowCount, depth, wp, tile, rowStart, col, cols);
                        // The panel's last slice: its 72×16 sums are still in L1, so finish them now rather than in a
                        // pass over the whole block (72 × N × 4 bytes, out of L2 by then for N ≥ 1536).
                        if (p0 + depth == pairs)
                            Int8Epilogue.Tile(y, residual, n, rowStart, rowScales, w, activation, col, col + cols);
                    }
                }
            }
            ArrayPool<short>.Shared.Return(packed);
        }
    }
}
