using System.CommandLine;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;

namespace Bert.Gpu.Cli.Commands;

/// <summary><c>devices</c>: the host backend and every accelerator ILGPU finds.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the devices that can run the encoder.");
        command.SetAction(_ =>
        {
            using (var host = new HostBackend())
                Console.WriteLine($"cpu        {host.DeviceName}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 20)} MiB");
            foreach (var d in IlgpuDevices.List())
                Console.WriteLine($"{Kind(d),-10} {d.Name}, {d.MemoryBytes / (1 << 20)} MiB{(d.IsGpu ? "" : " (CPU device)")}");
            return 0;
        });
        return command;
    }

    private static string Kind(IlgpuDeviceInfo d) => d.Kind switch
    {
        ILGPU.Runtime.AcceleratorType.Cuda => "cuda",
        ILGPU.Runtime.AcceleratorType.OpenCL => "opencl",
        _ => "ilgpu-cpu",
    };
}
