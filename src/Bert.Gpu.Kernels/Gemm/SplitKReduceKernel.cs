using Bert.Gpu.Kernels.Conversion;
using Bert.Gpu.Kernels.Math;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// The second half of <see cref="HalfLinearKernel"/>'s split-K: <c>y = act(Σ_z partials[z] + b) (+ residual)</c> over the
/// <c>[slices, M, N]</c> fp32 partial sums its K slices wrote, then <see cref="HalfLinearEpilogue"/>, the epilogue the
/// unsplit kernel fuses. Each thread sums one element's slices in slice order, so the result does not depend on which
/// groups ran first (no atomics). Consecutive threads take consecutive elements: every read and write coalesces.
/// </summary>
public sealed class SplitKReduceKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<ushort>,
        ArrayView<float>, SplitKReduceShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    public SplitKReduceKernel(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>,
            SplitKReduceShape>(Kernel);
    }

    /// <summary>Queues the sum of <paramref name="slices"/> partials and the epilogue on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="partials">The slices' fp32 sums, <c>[slices, rows, outFeatures]</c>.</param>
    /// <param name="slices">How many partials each element has: at least 1.</param>
    /// <param name="rows">M.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>; null for none.</param>
    /// <param name="activation">Applied after the bias, in fp32: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c> fp32; null for none. May be <paramref name="yFloat"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>, fp16 bits (rounded to nearest even), or null.</param>
    /// <param name="yFloat">The same output before rounding, fp32, or null; one of the two outputs must be given. Neither may overlap <paramref name="partials"/>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> partials, int slices, int rows, int outFeatures, ArrayView<float>? bias,
        int activation, ArrayView<float>? residual, ArrayView<ushort>? y, ArrayView<float>? yFloat)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(slices, 1);
        var epilogue = HalfLinearEpilogue.Of(rows, outFeatures, activation, bias, residual, y, yFloat);
        Shapes.Require(partials, (long)slices * rows * outFeatures, nameof(partials), $"[{slices}, {rows}, {outFeatures}]");
        if (rows == 0)
            return;

        var count = checked(rows * outFeatures);
        var shape = new SplitKReduceShape(count, outFeatures, slices, epilogue);
        // Views the kernel never touches (flags 0) stand in as other arguments' so that none is null (OpenCL binds a buffer for each).
        _kernel(stream, GridStride.For(_accelerator, count), partials, bias ?? partials, residual ?? partials, y ?? partials.Cast<ushort>(),
            yFloat ?? partials, shape);
    }

    /// <summary>The scalar arguments: elements of the output, its columns, slices, and the epilogue's flags.</summary>
    internal readonly record struct SplitKReduceShape(int Count, int N, int Slices, HalfLinearEpilogue Epilogue);

    private static void Kernel(ArrayView<float> partials, ArrayView<float> bias, ArrayView<float> residual, ArrayView<ushort> y,
        ArrayView<float> yFloat, SplitKReduceShape s)
    {
        var stride = Grid.DimX * Group.DimX;
        for (var i = Grid.IdxX * Group.DimX + Group.IdxX; i < s.Count; i += stride)
        {
            // Slice 0 first, then 1, 2, …: a fixed order, so a rerun gives the same bits.
            var sum = partials[i];
            for (var z = 1; z < s.Slices; z++)
                sum += partials[(long)z * s.Count + i];
            s.Epilogue.Store(sum, i, i % s.N, bias, residual, y, yFloat);
        }
    }
}
