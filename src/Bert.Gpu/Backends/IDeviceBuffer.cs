namespace Bert.Gpu.Backends;

/// <summary>
/// A buffer owned by a backend (host arrays, or device memory behind an accelerator). Opaque to the encoder:
/// only the backend that made it can read it.
/// </summary>
public interface IDeviceBuffer : IDisposable
{
    /// <summary>Number of elements (fp32 or int32, by how it was made).</summary>
    int Length { get; }
}
