using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>One accelerator ILGPU can see.</summary>
/// <param name="Kind">Cuda, OpenCL or CPU.</param>
/// <param name="Name">Device name as the driver reports it.</param>
/// <param name="MemoryBytes">Device memory in bytes.</param>
/// <param name="IsGpu">False for CPU devices (ILGPU's emulator, or an OpenCL CPU runtime such as PoCL).</param>
public sealed record IlgpuDeviceInfo(AcceleratorType Kind, string Name, long MemoryBytes, bool IsGpu);

/// <summary>Enumerates the accelerators ILGPU finds on this machine.</summary>
public static class IlgpuDevices
{
    /// <summary>All CUDA, OpenCL and CPU accelerators, in ILGPU's order. Never throws for a missing driver.</summary>
    public static IReadOnlyList<IlgpuDeviceInfo> List()
    {
        CudaDriverResolver.Install();
        using var context = Context.Create(builder => builder.AllAccelerators());
        return context.Devices.Select(Describe).ToList();
    }

    private static IlgpuDeviceInfo Describe(Device device)
    {
        var isGpu = device.AcceleratorType switch
        {
            AcceleratorType.Cuda => true,
            AcceleratorType.OpenCL => device is ILGPU.Runtime.OpenCL.CLDevice cl && cl.DeviceType == ILGPU.Runtime.OpenCL.CLDeviceType.CL_DEVICE_TYPE_GPU,
            _ => false,
        };
        return new IlgpuDeviceInfo(device.AcceleratorType, device.Name, device.MemorySize, isGpu);
    }
}
