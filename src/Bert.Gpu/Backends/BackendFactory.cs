using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;

namespace Bert.Gpu.Backends;

/// <summary>Turns a device name (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>opencl</c>, <c>ilgpu-cpu</c>) into a backend.</summary>
public static class BackendFactory
{
    /// <summary>The device names <see cref="Create"/> accepts; <see cref="CreateAll"/> also takes <c>cuda:N</c> and <c>cuda:all</c>.</summary>
    public static IReadOnlyList<string> DeviceNames { get; } = ["auto", "cpu", "cuda", "opencl", "ilgpu-cpu"];

    /// <summary>
    /// The backends for <paramref name="device"/>: what <see cref="Create"/> gives, or for <c>cuda:N</c> CUDA device N,
    /// and for <c>cuda:all</c> every CUDA device (one queue feeds them all).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown device name.</exception>
    /// <exception cref="BackendUnavailableException">A device is absent or cannot run the encoder here.</exception>
    public static IReadOnlyList<IComputeBackend> CreateAll(string device, int threads = 0)
    {
        device = device.Trim().ToLowerInvariant(); // --device CPU as well as --pooling MEAN
        if (device == "cuda:all")
            return IlgpuBackends.OpenAllCuda();
        if (device.StartsWith("cuda:", StringComparison.Ordinal))
            return int.TryParse(device.AsSpan(5), out var index) && index >= 0
                ? [IlgpuBackends.OpenCuda(index)]
                : throw new ArgumentException($"Unknown device '{device}'; use cuda:N (N = 0, 1, …) or cuda:all.", nameof(device));
        return [Create(device, threads)];
    }

    /// <summary>Creates the backend for <paramref name="device"/>.</summary>
    /// <param name="device">
    /// One of <see cref="DeviceNames"/> (any case): <c>auto</c> takes the first CUDA GPU, else an OpenCL GPU, else the host backend
    /// (an OpenCL CPU runtime such as PoCL only when <c>opencl</c> is asked for: the host backend beats it);
    /// <c>ilgpu-cpu</c> is ILGPU's thread-per-GPU-thread emulator, for debugging kernels only.
    /// </param>
    /// <param name="threads">Host threads; 0 = one per logical processor.</param>
    /// <exception cref="ArgumentException">Unknown device name.</exception>
    /// <exception cref="BackendUnavailableException">The device is absent or cannot run the encoder here.</exception>
    public static IComputeBackend Create(string device, int threads = 0)
    {
        switch (device.Trim().ToLowerInvariant())
        {
            case "cpu":
                return new HostBackend(threads);
            case "auto":
                return IlgpuBackends.TryOpenGpu() ?? (IComputeBackend)new HostBackend(threads);
            case "cuda":
                return IlgpuBackends.OpenCuda();
            case "opencl":
                return IlgpuBackends.OpenOpenCL();
            case "ilgpu-cpu":
                // A user who picks this for real work would wait hours: say so before the first batch, not after.
                Console.Error.WriteLine("warning: ilgpu-cpu is ILGPU's CPU emulator, for kernel debugging only; use --device cpu for real work.");
                return IlgpuBackends.OpenCpuEmulator();
            default:
                throw new ArgumentException($"Unknown device '{device}'; choose one of: {string.Join(", ", DeviceNames)}.", nameof(device));
        }
    }
}
