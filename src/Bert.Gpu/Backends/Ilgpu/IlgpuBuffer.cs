using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// An ILGPU backend buffer: the first <see cref="Length"/> elements of a device allocation that may be larger (pooled
/// buffers are rounded up). Disposing hands the allocation to <see cref="DeviceMemory"/>, which pools or frees it.
/// </summary>
internal sealed class IlgpuBuffer<T>(DeviceMemory owner, MemoryBuffer1D<T, Stride1D.Dense> memory, int length) : IDeviceBuffer
    where T : unmanaged
{
    private int _disposed;

    public int Length { get; } = length;

    /// <summary>The allocator (one per backend) that made the buffer.</summary>
    public DeviceMemory Owner { get; } = owner;

    /// <summary>The underlying allocation, <see cref="Length"/> or more elements.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Memory { get; } = memory;

    /// <summary>The buffer's elements as a kernel argument.</summary>
    public ArrayView<T> View => Memory.View.SubView(0, Length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            Owner.Release(Memory);
    }

    /// <summary>The buffer behind <paramref name="buffer"/>, which <paramref name="owner"/> must have made with elements of <typeparamref name="T"/>.</summary>
    public static IlgpuBuffer<T> Of(IDeviceBuffer buffer, DeviceMemory owner, string parameter) => buffer switch
    {
        IlgpuBuffer<T> b when ReferenceEquals(b.Owner, owner) => b,
        IlgpuBuffer<T> => throw new ArgumentException(
            "This buffer was made by another ILGPU backend: buffers cannot be shared between backends or devices.", parameter),
        _ => throw new ArgumentException(
            $"Expected a buffer of {ElementName(typeof(T))} made by this ILGPU backend, got {Describe(buffer)}.", parameter),
    };

    private static string Describe(IDeviceBuffer buffer) =>
        buffer.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(IlgpuBuffer<>)
            ? $"one of {ElementName(type.GetGenericArguments()[0])}"
            : $"a {buffer.GetType().Name} (buffers cannot be shared between backends or devices)";

    private static string ElementName(Type element) =>
        element == typeof(float) ? "fp32" : element == typeof(ushort) ? "fp16 (AllocateHalf)" : element.Name;
}
