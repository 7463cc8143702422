using Bert.Gpu.Kernels.Reductions;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Normalization;

/// <summary>
/// Scales each row of <c>x [rows, width]</c> to unit L2 norm in place, one group per row with a deterministic sum of
/// squares; an all-zero row stays zero.
/// </summary>
public sealed class L2NormalizeKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, int> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="threads">Threads per row, a power of two; null = 128 on devices, 32 on ILGPU's CPU emulator.</param>
    public L2NormalizeKernel(Accelerator accelerator, int? threads = null)
    {
        _accelerator = accelerator;
        Threads = threads ?? RowLayerNorm.GroupSize(accelerator);
        if (!GroupSum.IsValidGroupSize(Threads))
            throw new ArgumentOutOfRangeException(nameof(threads), $"{Threads} threads per row is not a power of two.");
        _kernel = accelerator.LoadKernel<ArrayView<float>, int>(Kernel);
    }

    /// <summary>Threads per row.</summary>
    public int Threads { get; }

    /// <summary>Queues the normalization of every row on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Rows <c>[rows, width]</c>, scaled in place.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Row width.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, int rows, int width)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Shapes.Require(x, (long)rows * width, nameof(x), $"[{rows}, {width}]");
        if (rows == 0)
            return;
        KernelLimits.Check(_accelerator, nameof(L2NormalizeKernel), Threads, GroupSum.MaxGroupSize);
        var config = new KernelConfig(new Index1D(rows), new Index1D(Threads));
        _kernel(stream, config, x, width);
    }

    private static void Kernel(ArrayView<float> x, int width)
    {
        var row = x.SubView(Grid.IdxX * width, width);
        var squares = 0f;
        for (var c = Group.IdxX; c < width; c += Group.DimX)
            squares += row[c] * row[c];
        var norm = MathF.Sqrt(GroupSum.Sum(squares));
        if (norm <= 0f)
            return;
        var inverse = 1f / norm;
        for (var c = Group.IdxX; c < width; c += Group.DimX)
            row[c] *= inverse;
    }
}
