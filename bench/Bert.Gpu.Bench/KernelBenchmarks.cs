using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Ilgpu;
using ILGPU.Runtime;

namespace Bert.Gpu.Bench;

/// <summary>
/// What the kernel suites share: a <see cref="Device"/> parameter over every accelerator present, the backend opened
/// on it, a wait for queued work, and a GFLOP/s column computed from each suite's static <c>Flops(string shape)</c>.
/// Devices: <c>cpu</c> (the host backend) always; <c>opencl</c> and <c>cuda</c> when ILGPU lists such a device;
/// <c>BERT_GPU_BENCH_DEVICES=cuda,cpu</c> picks instead. ILGPU's CPU emulator is left out: at ~0.01 GFLOP/s one
/// 2048-token GEMM would take minutes (bench/Bert.Gpu.DeviceCheck --device ilgpu-cpu --shapes small covers it).
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public abstract class KernelBenchmarks
{
    /// <summary>A <see cref="BackendFactory"/> device name.</summary>
    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    protected IComputeBackend Backend { get; private set; } = null!;

    public static IEnumerable<string> Devices()
    {
        if (Environment.GetEnvironmentVariable("BERT_GPU_BENCH_DEVICES") is { Length: > 0 } chosen)
            return chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var kinds = IlgpuDevices.List().Select(d => d.Kind).ToHashSet();
        var devices = new List<string> { "cpu" };
        if (kinds.Contains(AcceleratorType.OpenCL))
            devices.Add("opencl");
        if (kinds.Contains(AcceleratorType.Cuda))
            devices.Add("cuda");
        return devices;
    }

    protected void OpenBackend() => Backend = BackendFactory.Create(Device);

    /// <summary>
    /// Waits for the queued launches: <see cref="IComputeBackend"/> has no synchronize, and a one-value download waits for
    /// the stream. It makes each invocation cost what the device takes; on the host backend it is a no-op copy.
    /// </summary>
    protected void Wait(IDeviceBuffer buffer) => Backend.Download(buffer, stackalloc float[1]);

    /// <summary>Parses a shape parameter such as <c>2048x3072x768</c>.</summary>
    protected static int[] Dimensions(string shape) => shape.Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
}

/// <summary>The default columns plus GFLOP/s.</summary>
public sealed class KernelBenchmarkConfig : ManualConfig
{
    public KernelBenchmarkConfig() => AddColumn(new GflopsColumn());

    /// <summary>Floating-point work of the case (its type's static <c>Flops(string shape)</c>) over its mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations per second at the mean time (2·M·N·K per GEMM, 4·B·S²·H·D per attention)";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            var flops = benchmarkCase.Descriptor.Type.GetMethod("Flops", BindingFlags.Public | BindingFlags.Static)
                ?.Invoke(null, [benchmarkCase.Parameters["Shape"]]) as double?;
            // FLOP per nanosecond is GFLOP/s.
            return meanNs is > 0 && flops is { } f ? (f / meanNs.Value).ToString("N1", CultureInfo.InvariantCulture) : "-";
        }
    }
}
