using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>The ILGPU backend on the first OpenCL device beside the host backend, or why there is none.</summary>
public sealed class OpenClDevice() : DeviceFixture(TestDevice.OpenCL, "opencl");

/// <summary>
/// Every OpenCL test class runs in this one collection, one at a time: OpenCL contexts created concurrently from
/// parallel test classes sometimes found no device in the lane (a flaky "no OpenCL device").
/// </summary>
[CollectionDefinition(Name)]
public sealed class OpenClDeviceCollection : ICollectionFixture<OpenClDevice>
{
    public const string Name = "OpenCL device";
}
