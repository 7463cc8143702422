using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>The ILGPU backend on the first CUDA GPU beside the host backend, or why there is none.</summary>
public sealed class CudaDevice() : DeviceFixture(TestDevice.Cuda, "cuda");

/// <summary>Every CUDA test class runs in this one collection, one at a time: they share the GPU and its one context.</summary>
[CollectionDefinition(Name)]
public sealed class CudaDeviceCollection : ICollectionFixture<CudaDevice>
{
    public const string Name = "CUDA device";
}
