namespace Bert.Gpu.Backends.Host;

/// <summary>A host backend buffer: a plain array.</summary>
internal sealed class HostBuffer<T>(T[] data) : IDeviceBuffer where T : unmanaged
{
    public T[] Data { get; } = data;

    public int Length => Data.Length;

    public void Dispose()
    {
        // Managed memory: the GC reclaims it.
    }

    /// <summary>The array behind a buffer made by the host backend.</summary>
    public static T[] Of(IDeviceBuffer buffer) =>
        buffer is HostBuffer<T> host
            ? host.Data
            : throw new ArgumentException($"Expected a host {typeof(T).Name} buffer, got {buffer.GetType().Name}: buffers cannot be shared between backends.", nameof(buffer));
}
