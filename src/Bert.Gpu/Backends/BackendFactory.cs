using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using ILGPU.Runtime;

namespace Bert.Gpu.Backends;

/// <summary>Turns a device name (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>opencl</c>, <c>ilgpu-cpu</c>) into a backend.</summary>
public static class BackendFactory
{
    /// <summary>The device names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> DeviceNames { get; } = ["auto", "cpu", "cuda", "opencl", "ilgpu-cpu"];

    /// <summary>Creates the backend for <paramref name="device"/>.</summary>
    /// <param name="device">One of <see cref="DeviceNames"/>.</param>
    /// <param name="threads">Host threads; 0 = one per logical processor.</param>
    /// <exception cref="ArgumentException">Unknown device name.</exception>
    /// <exception cref="BackendUnavailableException">The device is absent or cannot run the encoder here.</exception>
    public static IComputeBackend Create(string device, int threads = 0)
    {
        switch (device)
        {
            case "cpu":
                return new HostBackend(threads);
            case "auto":
                // The ILGPU backend is not built yet, so every device resolves to the host backend for now.
                return new HostBackend(threads);
            case "cuda":
                RequireIlgpu(AcceleratorType.Cuda, "no CUDA device found (is the NVIDIA driver installed and libcuda.so.1 on the library path?)");
                break;
            case "opencl":
                RequireIlgpu(AcceleratorType.OpenCL, "no OpenCL 2.0+ device with generic address space found (install an ICD such as PoCL 6)");
                break;
            case "ilgpu-cpu":
                RequireIlgpu(AcceleratorType.CPU, "ILGPU's CPU accelerator is not available");
                break;
            default:
                throw new ArgumentException($"Unknown device '{device}'; choose one of: {string.Join(", ", DeviceNames)}.", nameof(device));
        }
        throw new BackendUnavailableException($"device '{device}' was found, but the ILGPU backend is not implemented yet; use --device cpu.");
    }

    private static void RequireIlgpu(AcceleratorType kind, string absent)
    {
        if (!IlgpuDevices.List().Any(d => d.Kind == kind))
            throw new BackendUnavailableException(absent + ".");
    }
}
