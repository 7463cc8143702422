using Bert.Gpu.Kernels.Reductions;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Normalization;

/// <summary>
/// In-place LayerNorm of each row of <c>x [rows, width]</c>, optionally of <c>x + residual</c>, optionally also written
/// as fp16 (the fp16 pipeline's next GEMM input): one group per row, fp32 two-pass statistics, deterministic reductions
/// (see <see cref="RowLayerNorm"/>).
/// </summary>
public sealed class LayerNormKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<ushort>, LayerNormShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="threads">Threads per row, a power of two; null = 128 on devices, 32 on ILGPU's CPU emulator.</param>
    public LayerNormKernel(Accelerator accelerator, int? threads = null)
    {
        _accelerator = accelerator;
        Threads = threads ?? RowLayerNorm.GroupSize(accelerator);
        if (!GroupSum.IsValidGroupSize(Threads))
            throw new ArgumentOutOfRangeException(nameof(threads), $"{Threads} threads per row is not a power of two.");
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<ushort>,
            LayerNormShape>(Kernel);
    }

    /// <summary>Threads per row.</summary>
    public int Threads { get; }

    /// <summary>Queues <c>x[r] = LayerNorm(x[r] (+ residual[r]))</c> for every row on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Rows <c>[rows, width]</c>, normalized in place.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Row width.</param>
    /// <param name="gamma">Scale <c>[width]</c>.</param>
    /// <param name="beta">Shift <c>[width]</c>.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="residual">Added to each row before the statistics, <c>[rows, width]</c>; null for none.</param>
    /// <param name="halves">Also gets the normalized rows as fp16 bits (nearest even), <c>[rows, width]</c>; null for none.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, int rows, int width, ArrayView<float> gamma,
        ArrayView<float> beta, float epsilon, ArrayView<float>? residual = null, ArrayView<ushort>? halves = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Shapes.Require(x, (long)rows * width, nameof(x), $"[{rows}, {width}]");
        Shapes.Require(gamma, width, nameof(gamma), $"[{width}]");
        Shapes.Require(beta, width, nameof(beta), $"[{width}]");
        if (residual is { } r)
            Shapes.Require(r, (long)rows * width, nameof(residual), $"[{rows}, {width}]");
        if (halves is { } h)
            Shapes.Require(h, (long)rows * width, nameof(halves), $"[{rows}, {width}]");
        if (rows == 0)
            return;
        KernelLimits.Check(_accelerator, nameof(LayerNormKernel), Threads, GroupSum.MaxGroupSize);
        var config = new KernelConfig(new Index1D(rows), new Index1D(Threads));
        // Without a residual or halves the kernel never touches that argument; x stands in so that no view is null.
        _kernel(stream, config, x, residual ?? x, gamma, beta, halves ?? x.Cast<ushort>(),
            new LayerNormShape(width, epsilon, residual is null ? 0 : 1, halves is null ? 0 : 1));
    }

    /// <summary>The scalar arguments.</summary>
    internal readonly record struct LayerNormShape(int Width, float Epsilon, int AddResidual, int WriteHalves);

    private static void Kernel(ArrayView<float> x, ArrayView<float> residual, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<ushort> halves, LayerNormShape s)
    {
        var offset = Grid.IdxX * s.Width;
        var row = x.SubView(offset, s.Width);
        if (s.AddResidual != 0)
            for (var c = Group.IdxX; c < s.Width; c += Group.DimX)
                row[c] += residual[offset + c];
        RowLayerNorm.Normalize(row, s.Width, gamma, beta, s.Epsilon);
        if (s.WriteHalves != 0)
            RowLayerNorm.WriteHalves(row, s.Width, halves.SubView(offset, s.Width));
    }
}
