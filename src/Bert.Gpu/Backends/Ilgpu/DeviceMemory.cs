using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// Device allocations of one <see cref="IlgpuBackend"/>: counts the bytes held so that a request the device cannot hold
/// fails with a clear message before the driver is asked, and pools small int32 buffers (a batch's ids, uploaded and
/// dropped once per batch) so that steady-state batches allocate no device memory.
/// </summary>
internal sealed class DeviceMemory(Accelerator accelerator, AcceleratorStream stream, long? limitBytes) : IDisposable
{
    /// <summary>Smallest pooled capacity; pooled capacities are powers of two.</summary>
    private const int MinPooledLength = 256;

    /// <summary>Idle buffers kept per capacity: one batch takes four, so two batches in flight fit.</summary>
    private const int PooledPerCapacity = 8;

    private readonly Dictionary<long, Stack<MemoryBuffer1D<int, Stride1D.Dense>>> _intPool = [];
    private readonly Lock _lock = new();
    private long _allocatedBytes;
    private bool _disposed;

    /// <summary>Bytes this backend may hold: the device's memory as the driver reports it, or less when capped.</summary>
    public long TotalBytes { get; } = System.Math.Min(accelerator.MemorySize, limitBytes ?? long.MaxValue);

    /// <summary>Bytes this backend holds, pooled idle buffers included.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>A new buffer of exactly <paramref name="length"/> elements.</summary>
    public IlgpuBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new IlgpuBuffer<T>(this, AllocateRaw<T>(length), length);
    }

    /// <summary>An int32 buffer of at least <paramref name="length"/> elements, reused from the pool when one is idle.</summary>
    public IlgpuBuffer<int> RentInts(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var capacity = (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, MinPooledLength));
        lock (_lock)
        {
            if (_intPool.TryGetValue(capacity, out var idle) && idle.TryPop(out var reused))
                return new IlgpuBuffer<int>(this, reused, length);
        }
        return new IlgpuBuffer<int>(this, AllocateRaw<int>(capacity), length);
    }

    /// <summary>Takes back an allocation whose buffer was disposed.</summary>
    public void Release<T>(MemoryBuffer1D<T, Stride1D.Dense> memory) where T : unmanaged
    {
        lock (_lock)
        {
            if (_disposed)
            {
                // The backend and its stream are gone, so nothing queued can still read the buffer.
                memory.Dispose();
                return;
            }
            if (memory is MemoryBuffer1D<int, Stride1D.Dense> ints && IsPooledCapacity(ints.Length))
            {
                if (!_intPool.TryGetValue(ints.Length, out var idle))
                    _intPool[ints.Length] = idle = new Stack<MemoryBuffer1D<int, Stride1D.Dense>>();
                if (idle.Count < PooledPerCapacity)
                {
                    idle.Push(ints);
                    return;
                }
            }
        }
        // Kernels queued on the stream may still read it; pooled buffers need no wait, as every use is ordered on the stream.
        stream.Synchronize();
        Interlocked.Add(ref _allocatedBytes, -memory.LengthInBytes);
        memory.Dispose();
    }

    private static bool IsPooledCapacity(long length) => length >= MinPooledLength && BitOperations.IsPow2(length);

    private MemoryBuffer1D<T, Stride1D.Dense> AllocateRaw<T>(long length) where T : unmanaged
    {
        // ILGPU rejects empty allocations; a one-element buffer stands in for an empty one.
        length = Math.Max(length, 1);
        var bytes = length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (AllocatedBytes + bytes > TotalBytes)
            throw OutOfMemory(bytes, null);
        try
        {
            var memory = accelerator.Allocate1D<T>(length);
            Interlocked.Add(ref _allocatedBytes, bytes);
            return memory;
        }
        catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
        {
            throw OutOfMemory(bytes, e);
        }
    }

    private InvalidOperationException OutOfMemory(long bytes, Exception? inner) => new(
        $"{accelerator.Name} cannot hold another {Mib(bytes)} MiB: this backend may use {Mib(TotalBytes)} MiB and already holds "
        + $"{Mib(AllocatedBytes)} MiB{(inner is null ? "" : $" (the driver said: {inner.Message})")}. Lower the batch's token "
        + "budget (--max-batch-tokens, EmbedderOptions.MaxBatchTokens; activations grow with it) or use a smaller model.", inner);

    private static long Mib(long bytes) => (bytes + (1 << 20) - 1) >> 20;

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var idle in _intPool.Values)
                while (idle.TryPop(out var memory))
                {
                    Interlocked.Add(ref _allocatedBytes, -memory.LengthInBytes);
                    memory.Dispose();
                }
        }
    }
}
