using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// One ILGPU CPU accelerator shared by the kernel tests: compiling a kernel costs far more than running it at these
/// shapes. Warps of 32 threads and up to 256 threads a group, so GPU tilings are legal; parallel mode (every thread an OS
/// thread) because sequential mode, chosen under a debugger, is far slower; assertions on for bounds checks.
/// </summary>
public sealed class CpuAccelerator : IDisposable
{
    public CpuAccelerator()
    {
        Context = Context.Create(b => b.CPU(new CPUDevice(32, 8, 1)).EnableAlgorithms().Assertions());
        Accelerator = Context.GetCPUDevice(0).CreateCPUAccelerator(Context, CPUAcceleratorMode.Parallel);
        Stream = Accelerator.DefaultStream;
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public AcceleratorStream Stream { get; }

    public MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(values.Length, 1));
        buffer.View.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }

    public T[] Download<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, int length) where T : unmanaged
    {
        Stream.Synchronize();
        var values = new T[length];
        buffer.View.SubView(0, length).CopyToCPU(values);
        return values;
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>Puts every kernel test in one collection around one <see cref="CpuAccelerator"/>, run one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection : ICollectionFixture<CpuAccelerator>
{
    public const string Name = "ILGPU CPU accelerator";
}
