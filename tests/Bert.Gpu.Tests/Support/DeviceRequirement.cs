using Bert.Gpu.Backends.Ilgpu;
using ILGPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Bert.Gpu.Tests.Support;

/// <summary>The accelerators that device tests run on.</summary>
public enum TestDevice
{
    /// <summary>An OpenCL 2.0+ device with the generic address space (the OpenCL lane's PoCL 6).</summary>
    OpenCL,

    /// <summary>A CUDA GPU (the lent GPU machine, through bench/gpu/run.sh).</summary>
    Cuda,
}

/// <summary>
/// The one gate every device test passes first. Without the device a test is reported as skipped, with the reason;
/// with <c>BERT_GPU_REQUIRE_OPENCL=1</c> / <c>BERT_GPU_REQUIRE_CUDA=1</c> (set by the OpenCL lane and by
/// bench/gpu/run.sh) it fails instead, naming what is missing — so a lane that lost its device cannot pass by running
/// nothing. Device tests must be <c>[SkippableFact]</c> / <c>[SkippableTheory]</c> (DeviceTestConventionTests checks).
/// </summary>
public static class DeviceRequirement
{
    /// <summary>The variable that turns a missing <paramref name="device"/> into a failure.</summary>
    public static string Variable(TestDevice device) => device == TestDevice.OpenCL ? "BERT_GPU_REQUIRE_OPENCL" : "BERT_GPU_REQUIRE_CUDA";

    /// <summary>True when <see cref="Variable"/> is set to 1.</summary>
    public static bool IsRequired(TestDevice device) => Environment.GetEnvironmentVariable(Variable(device)) == "1";

    /// <summary>Why <paramref name="device"/> is not usable here, or null when ILGPU sees one.</summary>
    public static string? Probe(TestDevice device) => device == TestDevice.OpenCL ? ProbeOpenCl() : ProbeCuda();

    /// <summary>
    /// Returns when <paramref name="missing"/> is null (the device is there); otherwise fails the test when the device is
    /// required, else skips it.
    /// </summary>
    /// <param name="device">The device the test needs.</param>
    /// <param name="missing">What the fixture's <see cref="Probe"/> said, or null.</param>
    public static void Require(TestDevice device, string? missing)
    {
        if (missing is null)
            return;
        var variable = Variable(device);
        if (IsRequired(device))
            Assert.Fail($"{variable}=1, but there is no {Name(device)} device: {missing}");
        throw new SkipException($"no {Name(device)} device: {missing} (with {variable}=1 this fails)");
    }

    private static string Name(TestDevice device) => device == TestDevice.OpenCL ? "OpenCL" : "CUDA";

    private static string? ProbeOpenCl()
    {
        using (var context = Context.Create(b => b.OpenCL()))
            if (context.GetCLDevices().Count > 0)
                return null;
        return "ILGPU sees no OpenCL device with OpenCL C 2.0+ and the generic address space (PoCL 6 has it, Debian 12's "
            + "PoCL 3.1 and NVIDIA's OpenCL do not; .ci/opencl-lane.sh runs PoCL 6 in a Debian 13 chroot). Devices seen: "
            + DescribeAllOpenClDevices();
    }

    private static string? ProbeCuda()
    {
        CudaDriverResolver.Install();
        if (!CudaAPI.CurrentAPI.IsSupported)
            return "the CUDA driver library (libcuda.so.1) could not be loaded";
        using var context = Context.Create(b => b.Cuda());
        if (context.GetCudaDevices().Count > 0)
            return null;
        return CudaAPI.CurrentAPI.GetDeviceCount(out var count) == CudaError.CUDA_SUCCESS && count > 0
            ? $"the driver reports {count} device(s), none of which ILGPU 1.5.3 can use"
            : "the CUDA driver loaded but reports no device";
    }

    /// <summary>Every OpenCL device, compatible or not, for the message when none is usable.</summary>
    private static string DescribeAllOpenClDevices()
    {
        try
        {
            using var context = Context.Create(b => b.OpenCL(_ => true));
            var seen = new List<string>();
            foreach (var d in context.GetCLDevices())
                seen.Add($"{d.Name} [{d.PlatformName} {d.PlatformVersion}, C {d.CVersion}, generic AS {d.Capabilities.GenericAddressSpace}]");
            return seen.Count == 0 ? "none (no OpenCL platform, ICD or libOpenCL.so.1)" : string.Join("; ", seen);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            return $"none ({e.GetType().Name}: {e.Message})";
        }
    }
}
