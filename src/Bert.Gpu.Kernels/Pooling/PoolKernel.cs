using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Pooling;

/// <summary>How <see cref="PoolKernel"/> reduces a sequence's rows.</summary>
public enum PoolReduction
{
    /// <summary>The first row.</summary>
    First,

    /// <summary>The mean of the rows.</summary>
    Mean,

    /// <summary>The element-wise maximum of the rows.</summary>
    Max,
}

/// <summary>
/// One row per sequence of a packed batch: the first, the mean or the maximum of its rows of <c>hidden [tokens, width]</c>.
/// One thread per (sequence, column), walking the rows in order, so reads are coalesced across columns and sums are
/// deterministic.
/// </summary>
public sealed class PoolKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    public PoolKernel(Accelerator accelerator)
    {
        // One warp on ILGPU's CPU emulator (every thread is an OS thread); 128 columns per group elsewhere.
        Threads = accelerator.AcceleratorType == AcceleratorType.CPU ? 32 : 128;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Kernel);
    }

    /// <summary>Columns per group.</summary>
    public int Threads { get; }

    /// <summary>Queues the pooling of every sequence on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="hidden">Rows <c>[tokens, width]</c>.</param>
    /// <param name="seqStarts">First row of each sequence, then the token count: <c>[sequences + 1]</c>; every sequence non-empty.</param>
    /// <param name="sequences">Number of sequences.</param>
    /// <param name="width">Row width.</param>
    /// <param name="reduction">How rows are combined.</param>
    /// <param name="output">One row per sequence, <c>[sequences, width]</c>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> hidden, ArrayView<int> seqStarts, int sequences, int width,
        PoolReduction reduction, ArrayView<float> output)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!Enum.IsDefined(reduction))
            throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown pooling {reduction}.");
        Shapes.Require(seqStarts, sequences + 1, nameof(seqStarts), $"[{sequences + 1}]");
        Shapes.Require(output, (long)sequences * width, nameof(output), $"[{sequences}, {width}]");
        if (sequences == 0)
            return;
        // Sequences along x, whose limit is 2³¹−1 (CUDA caps y at 65535).
        var config = new KernelConfig(new Index2D(sequences, KernelLimits.Groups(width, Threads)), new Index2D(Threads, 1));
        _kernel(stream, config, hidden, seqStarts, output, width, (int)reduction);
    }

    private static void Kernel(ArrayView<float> hidden, ArrayView<int> seqStarts, ArrayView<float> output, int width, int reduction)
    {
        var c = Grid.IdxY * Group.DimX + Group.IdxX;
        if (c >= width)
            return;
        var sequence = Grid.IdxX;
        var start = seqStarts[sequence];
        var end = seqStarts[sequence + 1];
        var value = hidden[start * width + c];
        if (reduction != (int)PoolReduction.First)
        {
            for (var r = start + 1; r < end; r++)
            {
                var x = hidden[r * width + c];
                value = reduction == (int)PoolReduction.Max ? (x > value ? x : value) : value + x;
            }
            if (reduction == (int)PoolReduction.Mean)
                value *= 1f / (end - start);
        }
        output[sequence * width + c] = value;
    }
}
