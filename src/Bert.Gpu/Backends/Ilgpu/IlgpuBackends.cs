using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// Opens an <see cref="IlgpuBackend"/> on a kind of accelerator, owning its own ILGPU context (built with
/// <c>EnableAlgorithms()</c>, which the kernels' exponential needs), or says precisely why it cannot.
/// </summary>
internal static class IlgpuBackends
{
    /// <summary>
    /// ILGPU's CPU emulator with warps of 32 and up to 256 threads a group (the tensor-core GEMM's and flash attention's
    /// 8 warps; with 64, the most the fp32 tilings use, <see cref="IlgpuBackend.Supports"/> admitted fp16 and its first
    /// kernel threw), every thread an OS thread; parallel mode because sequential mode, chosen under a debugger, is far
    /// slower still. The test suite's emulator (CpuAccelerator) has the same 8 warps.
    /// </summary>
    private static readonly CPUDevice EmulatorDevice = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    /// <summary>CUDA device <paramref name="index"/> (in the driver's order).</summary>
    /// <exception cref="BackendUnavailableException">No driver, no such device, or the device would not start.</exception>
    public static IlgpuBackend OpenCuda(int index = 0)
    {
        var count = CudaDeviceCount();
        if (index >= count)
            throw new BackendUnavailableException($"CUDA device {index} was asked for, but there are only {count} (cuda:0 … cuda:{count - 1}).");
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        return Open(context, context.GetCudaDevices()[index], note: null, "CUDA");
    }

    /// <summary>Every CUDA device, each with its own context and stream, for one queue feeding them all.</summary>
    /// <exception cref="BackendUnavailableException">No driver, no device, or a device would not start.</exception>
    public static IReadOnlyList<IlgpuBackend> OpenAllCuda()
    {
        var opened = new List<IlgpuBackend>();
        try
        {
            var count = CudaDeviceCount();
            for (var i = 0; i < count; i++)
                opened.Add(OpenCuda(i));
            return opened;
        }
        catch
        {
            opened.ForEach(b => b.Dispose());
            throw;
        }
    }

    private static int CudaDeviceCount()
    {
        CudaDriverResolver.Install();
        using var context = Context.Create(b => b.Cuda());
        var count = context.GetCudaDevices().Count;
        if (count == 0)
            throw new BackendUnavailableException("CUDA was asked for, but " + WhyNoCuda() + ".");
        return count;
    }

    /// <summary>The first OpenCL GPU, else the first OpenCL device of any kind (such as PoCL on the CPU).</summary>
    /// <exception cref="BackendUnavailableException">No usable OpenCL device, or it would not start.</exception>
    public static IlgpuBackend OpenOpenCL()
    {
        var context = Context.Create(b => b.OpenCL().EnableAlgorithms());
        var devices = context.GetCLDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new BackendUnavailableException(
                "OpenCL was asked for, but ILGPU found no OpenCL 2.0+ device with generic address space "
                + "(install an ICD such as PoCL 6; NVIDIA's OpenCL and PoCL 3 lack what ILGPU needs).");
        }
        var device = devices[0];
        foreach (var candidate in devices)
            if (IsGpu(candidate))
            {
                device = candidate;
                break;
            }
        return Open(context, device, IsGpu(device) ? null : ", an OpenCL CPU device: the cpu backend is faster", "OpenCL");
    }

    /// <summary>ILGPU's CPU emulator: for debugging kernels only, thousands of times slower than the cpu backend.</summary>
    public static IlgpuBackend OpenCpuEmulator()
    {
        var context = Context.Create(b => b.CPU(EmulatorDevice).EnableAlgorithms());
        try
        {
            var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
            return new IlgpuBackend(context, accelerator, ownsAccelerator: true,
                note: ", ILGPU's CPU emulator: for kernel debugging only, use --device cpu for real work");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The first CUDA GPU, else the first OpenCL GPU; null when neither exists or starts (then the host backend runs).</summary>
    public static IlgpuBackend? TryOpenGpu()
    {
        foreach (var open in new Func<IlgpuBackend?>[] { TryOpenCuda, TryOpenOpenCLGpu })
        {
            try
            {
                if (open() is { } backend)
                    return backend;
            }
            catch (BackendUnavailableException)
            {
                // auto means "the best device that works here": a GPU that will not start falls through to the next choice.
            }
        }
        return null;
    }

    private static IlgpuBackend? TryOpenCuda()
    {
        CudaDriverResolver.Install();
        if (!CudaAPI.CurrentAPI.IsSupported)
            return null;
        return OpenCuda();
    }

    private static IlgpuBackend? TryOpenOpenCLGpu()
    {
        var context = Context.Create(b => b.OpenCL(IsGpu).EnableAlgorithms());
        var devices = context.GetCLDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            return null;
        }
        return Open(context, devices[0], note: null, "OpenCL");
    }

    private static bool IsGpu(CLDevice device) => device.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU;

    private static IlgpuBackend Open(Context context, Device device, string? note, string api)
    {
        Accelerator? accelerator = null;
        try
        {
            accelerator = device.CreateAccelerator(context);
            return new IlgpuBackend(context, accelerator, ownsAccelerator: true, note);
        }
        catch (Exception e)
        {
            // Driver refusals, missing capabilities and kernel compilation errors all mean this device cannot run us.
            accelerator?.Dispose();
            context.Dispose();
            throw new BackendUnavailableException($"{api} device '{device.Name}' was found but cannot run the kernels: {e.Message}");
        }
    }

    private static string WhyNoCuda()
    {
        if (!CudaAPI.CurrentAPI.IsSupported)
            return "the CUDA driver library could not be loaded (libcuda.so.1 on Linux, nvcuda.dll on Windows): install the "
                + "NVIDIA driver, or add the folder holding it (e.g. /usr/local/nvidia/lib64) to LD_LIBRARY_PATH";
        return CudaAPI.CurrentAPI.GetDeviceCount(out var count) == CudaError.CUDA_SUCCESS && count > 0
            ? $"the driver reports {count} device(s) that ILGPU 1.5.3 cannot use (unsupported architecture or driver version)"
            : "the CUDA driver loaded but reports no devices: check nvidia-smi and CUDA_VISIBLE_DEVICES";
    }
}
