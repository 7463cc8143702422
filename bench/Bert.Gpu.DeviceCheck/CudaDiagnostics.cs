using Bert.Gpu.Backends.Ilgpu;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.DeviceCheck;

/// <summary>A CUDA device as the driver reports it.</summary>
internal sealed record CudaDriverDevice(int Index, string Name, string ComputeCapability, long MemoryBytes);

/// <summary>A CUDA device as ILGPU sees it: what it will compile for.</summary>
internal sealed record CudaIlgpuDevice(string Name, string? Architecture, string? InstructionSet, string DriverVersion, int Multiprocessors,
    int MaxSharedMemoryPerGroup, int L2CacheBytes, long MemoryBytes);

/// <summary>What the CUDA checklist found; <see cref="Problem"/> is set when CUDA cannot be used, with the reason.</summary>
internal sealed record CudaDiagnosis(string LdLibraryPath, IReadOnlyList<string> LoadedDriverFiles, bool ApiSupported, string? DriverVersion,
    IReadOnlyList<CudaDriverDevice> DriverDevices, IReadOnlyList<CudaIlgpuDevice> IlgpuDevices, string? Problem);

/// <summary>
/// The "first minutes on a CUDA device" checklist (shared ILGPU notes): which libcuda loaded, whether ILGPU's driver
/// API works, the driver version, every device as the driver and as ILGPU see it. Printed before anything runs, so a
/// device that cannot be used says why instead of ILGPU's silent "no devices".
/// </summary>
internal static class CudaDiagnostics
{
    public static CudaDiagnosis Run(RunLog log)
    {
        log.Line("== CUDA diagnostics");
        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "(unset)";
        log.Line($"LD_LIBRARY_PATH={ldPath}");
        // Enumerating installs the product's resolver, which falls back from libcuda.so to libcuda.so.1.
        try
        {
            foreach (var device in IlgpuDevices.List())
                log.Line($"ILGPU device: {device.Kind} '{device.Name}' {device.MemoryBytes >> 20} MiB{(device.IsGpu ? " (GPU)" : "")}");
        }
        catch (Exception e)
        {
            // The driver-level facts below still say what is wrong.
            log.Line($"ILGPU could not list its devices: {e.GetType().Name}: {e.Message}");
        }

        var api = CudaAPI.CurrentAPI;
        var supported = api is not null && api.IsSupported;
        var loaded = LoadedDriverFiles();
        log.Line($"CudaAPI.CurrentAPI.IsSupported = {supported}; libcuda mapped from: {(loaded.Count == 0 ? "(none)" : string.Join(", ", loaded))}");
        if (api is null || !supported)
            return Fail(log, new CudaDiagnosis(ldPath, loaded, false, null, [], [],
                "the CUDA driver library did not load: no libcuda.so or libcuda.so.1 on the loader path (set LD_LIBRARY_PATH to the "
                + "folder holding it, e.g. /usr/local/nvidia/lib64) or cuInit failed"));

        string? driver = null;
        if (api.GetDriverVersion(out var version) == CudaError.CUDA_SUCCESS)
            driver = version.ToString();
        log.Line($"CUDA driver API version: {driver ?? "(cuDriverGetVersion failed)"}");

        var driverDevices = new List<CudaDriverDevice>();
        var countError = api.GetDeviceCount(out var count);
        log.Line($"cuDeviceGetCount: {countError}, {count} device(s)");
        for (var i = 0; i < count; i++)
        {
            api.GetDeviceName(out var name, i);
            api.GetDeviceComputeCapability(out var major, out var minor, i);
            api.GetTotalDeviceMemory(out long bytes, i);
            driverDevices.Add(new CudaDriverDevice(i, name ?? "?", $"{major}.{minor}", bytes));
            log.Line($"driver device {i}: {name}, compute capability {major}.{minor}, {bytes >> 20} MiB");
        }

        var ilgpuDevices = new List<CudaIlgpuDevice>();
        string? problem = null;
        try
        {
            using var context = Context.Create(b => b.Cuda());
            foreach (var d in context.GetCudaDevices())
            {
                ilgpuDevices.Add(new CudaIlgpuDevice(d.Name, d.Architecture?.ToString(), d.InstructionSet?.ToString(), d.DriverVersion.ToString(),
                    d.NumMultiprocessors, d.MaxSharedMemoryPerGroup, d.L2CacheSize, d.MemorySize));
                var info = new StringWriter();
                d.PrintInformation(info);
                foreach (var line in info.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    log.Line("ILGPU: " + line.TrimEnd());
            }
        }
        catch (Exception e)
        {
            problem = $"ILGPU {IlgpuVersion()} failed to enumerate the CUDA devices: {e.GetType().Name}: {e.Message}";
        }

        problem ??= Problem(countError, count, ilgpuDevices);
        // Not fatal here: opening the backend next either works or says precisely why, which is worth seeing.
        if (problem is null && (ilgpuDevices[0].Architecture is null || ilgpuDevices[0].InstructionSet is null))
            log.Line($"WARNING: ILGPU {IlgpuVersion()} knows no PTX architecture/instruction set for '{ilgpuDevices[0].Name}' with driver {driver}");
        var diagnosis = new CudaDiagnosis(ldPath, loaded, true, driver, driverDevices, ilgpuDevices, problem);
        return problem is null ? diagnosis : Fail(log, diagnosis);
    }

    /// <summary>Why there is no CUDA device to open, or null.</summary>
    private static string? Problem(CudaError countError, int count, List<CudaIlgpuDevice> ilgpuDevices)
    {
        if (countError != CudaError.CUDA_SUCCESS || count == 0)
            return $"the CUDA driver loaded but reports no devices ({countError}): check nvidia-smi and CUDA_VISIBLE_DEVICES";
        if (ilgpuDevices.Count == 0)
            return $"the driver reports {count} device(s) but ILGPU {IlgpuVersion()} lists none (unsupported architecture or driver version?)";
        return null;
    }

    public static string IlgpuVersion() =>
        typeof(Context).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? typeof(Context).Assembly.GetName().Version?.ToString() ?? "?";

    private static CudaDiagnosis Fail(RunLog log, CudaDiagnosis diagnosis)
    {
        log.Line($"CUDA UNUSABLE: {diagnosis.Problem}");
        return diagnosis;
    }

    /// <summary>The libcuda files this process has mapped: which driver actually loaded, whatever the loader path said.</summary>
    private static List<string> LoadedDriverFiles()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
            return [];
        return File.ReadLines(maps).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].Contains("libcuda", StringComparison.Ordinal))
            .Select(fields => fields[5]).Distinct().ToList();
    }
}
