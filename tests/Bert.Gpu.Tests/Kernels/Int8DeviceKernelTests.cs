using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Quantization;
using Bert.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The int8 kernels at BERT-base and MiniLM layer sizes on a device, through the same <see cref="Int8Checks"/> the CPU
/// emulator runs at tiny shapes, against the plain references (exact int64 sums, bit-exact quantization, the double
/// epilogue). Each test first passes <see cref="Int8DeviceAccelerator.Require"/>: skipped without the device, failed
/// without it under the device's REQUIRE variable.
/// </summary>
public abstract class Int8DeviceKernelTests(Int8DeviceAccelerator device, ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(256, 1152, 384)] // MiniLM QKV
    [InlineData(256, 1536, 384)] // MiniLM FFN up
    [InlineData(256, 384, 1536)] // MiniLM FFN down
    [InlineData(256, 3072, 768)] // BERT-base FFN up
    [InlineData(256, 768, 3072)] // BERT-base FFN down: acc[0, 0] = −16,256 · 3072 ≈ −5e7, beyond fp32's 2²⁴
    [InlineData(37, 53, 29)] // odd edges, K padded by one byte
    [InlineData(1, 768, 3072)] // a single token
    public void Int8LinearAccumulatesExactly(int rows, int outFeatures, int inFeatures) =>
        Check(d => Int8Checks.Accumulation(d, rows, outFeatures, inFeatures));

    [SkippableTheory]
    [InlineData(256, 1152, 384, false, false)]
    [InlineData(256, 1536, 384, true, false)]
    [InlineData(256, 384, 1536, false, true)]
    [InlineData(256, 3072, 768, true, false)]
    [InlineData(256, 768, 3072, false, true)]
    [InlineData(37, 53, 29, true, true)]
    public void Int8LinearEpilogueMatchesDoubleReference(int rows, int outFeatures, int inFeatures, bool gelu, bool residual) =>
        Check(d => Int8Checks.Epilogue(d, rows, outFeatures, inFeatures, gelu, residual));

    [SkippableTheory]
    [InlineData(256, 384, null)]
    [InlineData(256, 384, 0.25f)]
    [InlineData(256, 768, null)]
    [InlineData(256, 768, 0.25f)]
    [InlineData(256, 3072, null)] // 768 words over 128 threads: 6 passes
    [InlineData(256, 383, null)] // 96 words, the last with one padding byte
    [InlineData(256, 385, 0.25f)] // 97 words, three padding bytes
    [InlineData(37, 29, null)]
    public void Int8QuantizationMatchesTheReferenceBitForBit(int rows, int width, float? staticScale)
    {
        var (values, scales) = Run(d => Int8Checks.Quantization(d, rows, width, staticScale));
        Assert.True(values.Holds, values.ToString());
        Assert.True(scales.Holds, scales.ToString());
    }

    [SkippableTheory]
    [InlineData(null)]
    [InlineData(0.0125f)] // |x| ≤ 2 against 127 · 0.0125 = 1.59: the largest values saturate
    public void Int8QuantizedActivationsThroughTheGemmMatchTheReference(float? staticScale) =>
        Check(d => Int8Checks.Pipeline(d, 256, 1536, 384, staticScale, gelu: true, residual: true));

    private void Check(Func<Int8Device, Int8Verdict> run)
    {
        var verdict = Run(run);
        Assert.True(verdict.Holds, verdict.ToString());
    }

    private T Run<T>(Func<Int8Device, T> run)
    {
        var d = device.Require();
        var started = DateTime.UtcNow;
        var result = run(d);
        output.WriteLine($"{result} on {d.Accelerator.AcceleratorType} {d.Accelerator.Name} in {(DateTime.UtcNow - started).TotalSeconds:f1} s");
        return result;
    }
}

/// <summary>
/// The int8 kernels compiled on the first device of one kind (a GPU first, as the backend chooses), or why there is none.
/// The tests open an accelerator of their own to launch the kernels directly, below the backend (the backend's int8
/// path is checked by <see cref="DeviceKernelTests.MiniLmShapedInt8EncoderMatchesHost"/>); a device that exists but cannot compile them makes the constructor throw, which fails every test loudly.
/// </summary>
public abstract class Int8DeviceAccelerator : IDisposable
{
    private readonly Context? _context;
    private readonly Int8Device? _device;

    protected Int8DeviceAccelerator(TestDevice device)
    {
        Device = device;
        Missing = DeviceRequirement.Probe(device);
        if (Missing is not null)
            return;
        _context = Context.Create(b => (device == TestDevice.OpenCL ? b.OpenCL() : b.Cuda()).EnableAlgorithms());
        var opened = (device == TestDevice.OpenCL ? FirstGpuElseFirst(_context.GetCLDevices()) : _context.GetCudaDevices()[0])
            .CreateAccelerator(_context);
        _device = new Int8Device(opened, opened.CreateStream(), new Int8LinearKernel(opened), new QuantizeRowsKernel(opened));
    }

    /// <summary>The kind of device.</summary>
    public TestDevice Device { get; }

    /// <summary>Why there is no device, or null.</summary>
    public string? Missing { get; }

    /// <summary>The kernels on the device, after <see cref="DeviceRequirement.Require"/>: a test without its device stops here.</summary>
    internal Int8Device Require()
    {
        DeviceRequirement.Require(Device, Missing);
        return _device!;
    }

    private static Device FirstGpuElseFirst(Context.DeviceCollection<CLDevice> devices)
    {
        foreach (var candidate in devices)
            if (candidate.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU)
                return candidate;
        return devices[0];
    }

    public void Dispose()
    {
        if (_device is { } d)
        {
            d.Stream.Synchronize();
            d.Stream.Dispose();
            d.Accelerator.Dispose();
        }
        _context?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The int8 kernels on the first OpenCL device (the OpenCL lane's PoCL 6).</summary>
public sealed class Int8OpenClAccelerator() : Int8DeviceAccelerator(TestDevice.OpenCL);

/// <summary>The int8 kernels on the first CUDA GPU (the dp4a path; the lent GPU machine, bench/gpu/run.sh).</summary>
public sealed class Int8CudaAccelerator() : Int8DeviceAccelerator(TestDevice.Cuda);

/// <summary>The int8 device tests on OpenCL, one at a time with the other OpenCL tests.</summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClDeviceCollection.Name)]
public sealed class OpenClInt8KernelTests(Int8OpenClAccelerator opencl, ITestOutputHelper output)
    : Int8DeviceKernelTests(opencl, output), IClassFixture<Int8OpenClAccelerator>;

/// <summary>The int8 device tests on CUDA, one at a time with the other CUDA tests.</summary>
[Trait("Category", "CUDA")]
[Collection(CudaDeviceCollection.Name)]
public sealed class CudaInt8KernelTests(Int8CudaAccelerator cuda, ITestOutputHelper output)
    : Int8DeviceKernelTests(cuda, output), IClassFixture<Int8CudaAccelerator>;
