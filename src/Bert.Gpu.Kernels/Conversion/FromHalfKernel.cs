using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Conversion;

/// <summary>
/// <c>y[i] = fp32(x[i])</c> for <c>count</c> fp16 bit patterns: exact (every fp16 is a float), by
/// <see cref="HalfBits.ToFloat"/> on every backend. On the mixed fp16 path it brings the flash attention's fp16 context
/// back to the fp32 buffers the rest of that path reads (the fp16 pipeline keeps it fp16).
/// </summary>
public sealed class FromHalfKernel
{
    private readonly Accelerator _accelerator;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, long> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    public FromHalfKernel(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<float>, long>(Kernel);
    }

    /// <summary>Queues the conversion of the first <paramref name="count"/> values of <paramref name="x"/> into <paramref name="y"/>.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<ushort> x, long count, ArrayView<float> y)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Shapes.Require(x, count, nameof(x), $"[{count}]");
        Shapes.Require(y, count, nameof(y), $"[{count}]");
        if (count == 0)
            return;
        _kernel(stream, GridStride.For(_accelerator, count), x, y, count);
    }

    private static void Kernel(ArrayView<ushort> x, ArrayView<float> y, long count)
    {
        var stride = (long)Grid.DimX * Group.DimX;
        for (var i = (long)Grid.IdxX * Group.DimX + Group.IdxX; i < count; i += stride)
            y[i] = HalfBits.ToFloat(x[i]);
    }
}
