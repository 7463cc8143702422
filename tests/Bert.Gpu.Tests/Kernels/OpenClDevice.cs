using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The ILGPU backend on the first OpenCL device (through <see cref="BackendFactory"/>, as users get it) beside the host
/// backend, or the reason there is none. A device that exists but cannot run the kernels fails every test loudly.
/// </summary>
public sealed class OpenClDevice : IDisposable
{
    public OpenClDevice()
    {
        using (var probe = Context.Create(b => b.OpenCL()))
            if (probe.GetCLDevices().Count == 0)
            {
                Missing = "no OpenCL 2.0+ device with generic address space on this machine (the OpenCL lane runs PoCL 6)";
                return;
            }
        Backend = BackendFactory.Create("opencl");
    }

    /// <summary>The ILGPU backend on OpenCL; null when <see cref="Missing"/> says why.</summary>
    public IComputeBackend? Backend { get; }

    /// <summary>Why there is no device, or null.</summary>
    public string? Missing { get; }

    /// <summary>The reference.</summary>
    public HostBackend Host { get; } = new();

    public void Dispose()
    {
        Backend?.Dispose();
        Host.Dispose();
    }
}

/// <summary>
/// Every OpenCL test class runs in this one collection, one at a time: OpenCL contexts created concurrently from
/// parallel test classes sometimes found no device in the lane (a flaky "no OpenCL device").
/// </summary>
[CollectionDefinition(Name)]
public sealed class OpenClDeviceCollection : ICollectionFixture<OpenClDevice>
{
    public const string Name = "OpenCL device";
}
