using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The ILGPU backend on one kind of device (through <see cref="BackendFactory"/>, as users get it) beside the host
/// backend, or the reason there is no such device. A device that exists but cannot run the kernels makes the
/// constructor throw, which fails every test of the collection loudly.
/// </summary>
public abstract class DeviceFixture : IDisposable
{
    private readonly IComputeBackend? _backend;

    protected DeviceFixture(TestDevice device, string backendName)
    {
        Device = device;
        Missing = DeviceRequirement.Probe(device);
        if (Missing is null)
            _backend = BackendFactory.Create(backendName);
    }

    /// <summary>The kind of device.</summary>
    public TestDevice Device { get; }

    /// <summary>Why there is no device, or null.</summary>
    public string? Missing { get; }

    /// <summary>The reference.</summary>
    public HostBackend Host { get; } = new();

    /// <summary>The backend on the device, after <see cref="DeviceRequirement.Require"/>: a test without its device stops here.</summary>
    public IComputeBackend Require()
    {
        DeviceRequirement.Require(Device, Missing);
        return _backend!;
    }

    public void Dispose()
    {
        _backend?.Dispose();
        Host.Dispose();
        GC.SuppressFinalize(this);
    }
}
