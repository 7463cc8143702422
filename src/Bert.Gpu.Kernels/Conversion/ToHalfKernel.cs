using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Conversion;

/// <summary>
/// <c>y[r, c] = fp16(x[r, c])</c> for rows <c>x [rows, width]</c> fp32, written as fp16 bit patterns into rows of
/// <c>paddedWidth ≥ width</c> whose extra columns are zero: the input of a tensor-core GEMM, whose K must be a multiple
/// of 8 (the weights are padded the same way at upload, so the padding adds nothing to any product). Rounds to nearest
/// even with <see cref="HalfBits.FromFloat"/> on every backend, so all give the same bits.
/// </summary>
public sealed class ToHalfKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<ushort>, ToHalfShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    public ToHalfKernel(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<ushort>, ToHalfShape>(Kernel);
    }

    /// <summary>Queues the conversion on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Input <c>[rows, width]</c> fp32.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">Input row width.</param>
    /// <param name="paddedWidth">Output row width, at least <paramref name="width"/>; the columns past it are zero.</param>
    /// <param name="y">Output <c>[rows, paddedWidth]</c> fp16 bits.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, int rows, int width, int paddedWidth, ArrayView<ushort> y)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(paddedWidth, width);
        Shapes.Require(x, (long)rows * width, nameof(x), $"[{rows}, {width}]");
        Shapes.Require(y, (long)rows * paddedWidth, nameof(y), $"[{rows}, {paddedWidth}]");
        if (rows == 0)
            return;
        _kernel(stream, GridStride.For(_accelerator, (long)rows * paddedWidth), x, y, new ToHalfShape(rows, width, paddedWidth));
    }

    /// <summary>The scalar arguments.</summary>
    internal readonly record struct ToHalfShape(int Rows, int Width, int PaddedWidth);

    private static void Kernel(ArrayView<float> x, ArrayView<ushort> y, ToHalfShape s)
    {
        var total = (long)s.Rows * s.PaddedWidth;
        var stride = (long)Grid.DimX * Group.DimX;
        for (var i = (long)Grid.IdxX * Group.DimX + Group.IdxX; i < total; i += stride)
        {
            var row = (int)(i / s.PaddedWidth);
            var col = (int)(i - (long)row * s.PaddedWidth);
            y[i] = col < s.Width ? (ushort)HalfBits.FromFloat(x[(long)row * s.Width + col]) : (ushort)0;
        }
    }
}
