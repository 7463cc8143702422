using System.Diagnostics;
using System.Runtime.InteropServices;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>One run: diagnostics, the parity checks, the timings, the report.</summary>
internal sealed class CheckRun(CheckOptions options, RunLog log)
{
    private readonly DateTimeOffset _started = DateTimeOffset.Now;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly MachineInfo _machine = DescribeMachine();
    private IReadOnlyList<IlgpuDeviceInfo> _devices = [];
    private CudaDiagnosis? _cuda;
    private string? _backend;
    private ParityChecks? _checks;
    private TimingSuite? _timings;
    private readonly List<string> _skipped = [];

    /// <summary>Runs everything; returns the exit status and writes devicecheck.json whatever happens.</summary>
    public int Execute()
    {
        var set = options.Shapes;
        log.Line($"Bert.Gpu.DeviceCheck --device {options.Device} --shapes {set.Name}, started {_started:u}");
        log.Line($"machine: {_machine.Host}, {_machine.Os}, {_machine.Cpu} ({_machine.LogicalCores} logical cores), {_machine.Runtime}, ILGPU {_machine.IlgpuVersion}");
        if (options.Device == "cuda")
        {
            _cuda = CudaDiagnostics.Run(log);
            if (_cuda.Problem is { } problem)
                return Finish(3, $"CUDA cannot be used: {problem}");
        }
        _devices = IlgpuDevices.List();

        IComputeBackend device;
        try
        {
            device = BackendFactory.Create(options.Device);
        }
        catch (BackendUnavailableException e)
        {
            return Finish(3, $"{options.Device} backend unavailable: {e.Message}");
        }
        using (device)
        using (var host = new HostBackend())
        {
            _backend = device.DeviceName;
            log.Line($"device: {device.DeviceName}; reference: {host.DeviceName} ({Phase()})");
            var models = set.Models.ToDictionary(m => m, RandomModels.Create);
            log.Line($"random models built: {string.Join(", ", set.Models.Select(m => m.Label))} ({Phase()})");
            var fp16 = device.Supports(LinearFormat.Fp16);
            if (!fp16)
                Skip($"fp16 checks and timings: unavailable: {device.DeviceName} has no fp16 path (Supports(LinearFormat.Fp16) is false)");

            log.Line($"== correctness vs the host backend ({set.Name} shapes, check batch [{string.Join(",", set.CheckLengths)}])");
            _checks = new ParityChecks(device, host, log);
            RunChecks(_checks, set, models, fp16);
            log.Line($"checks done ({Phase()})");

            log.Line($"== timings (batch {set.TimingSequences} x {set.TimingLength} tokens; median of {options.Samples?.ToString() ?? "default"} samples)");
            if (fp16 && options.Fp16PeakTflops is null)
                Skip("fp16 GEMMs' share of the peak: no --fp16-peak given (run.sh passes bench/gpu/fp16_peak.py's figure for the GPU)");
            _timings = new TimingSuite(device, set, options.Samples, options.Fp16PeakTflops, log);
            try
            {
                RunTimings(_timings, set, models, fp16);
            }
            catch (Exception e)
            {
                // The checks' verdict stands; the report says the timings broke off and where.
                log.Line($"TIMINGS FAILED after {_timings.Results.Count}: {e.GetType().Name}: {e.Message}");
                return Finish(1, $"timings failed: {e.Message}");
            }
            finally
            {
                _timings.Dispose();
            }
            log.Line($"timings done ({Phase()})");
        }
        var failed = _checks.Results.Count(c => !c.Passed);
        log.Line($"{_checks.Results.Count - failed} passed, {failed} failed");
        return Finish(failed == 0 ? 0 : 1, failed == 0 ? null : $"{failed} check(s) failed");
    }

    /// <summary>Writes the report after a crash; the exception is the failure.</summary>
    public int Crashed(Exception e)
    {
        log.Line($"CRASHED: {e}");
        return Finish(4, $"{e.GetType().Name}: {e.Message}");
    }

    private static void RunChecks(ParityChecks checks, ShapeSet set, Dictionary<ModelShape, BertModel> models, bool fp16)
    {
        var linear = set.Models.SelectMany(m => m.LayerGemms(set.CheckRows)).Concat(set.ExtraLinearChecks).ToList();
        var attention = set.Models.Select(m => m.Attention(m.Label, set.CheckLengths)).Concat(set.ExtraAttentionChecks).ToList();
        foreach (var shape in linear)
            checks.Linear(shape, Tolerances.Op);
        foreach (var shape in attention)
            checks.Attention(shape, Tolerances.Op);
        foreach (var width in set.Models.Select(m => m.Config.HiddenSize).Append(set.OddLayerNormWidth))
            checks.LayerNorm(set.CheckRows, width, Tolerances.Op);
        foreach (var model in models.Values)
            checks.EmbedLayerNorm(model, set.CheckLengths, Tolerances.Op);
        var width0 = set.Models[0].Config.HiddenSize;
        foreach (var mode in Enum.GetValues<PoolingMode>())
            checks.Pool(set.CheckLengths, width0, mode, Tolerances.Pool);
        checks.L2Normalize(set.CheckLengths.Length, width0, Tolerances.Pool);
        foreach (var model in models.Values)
            checks.Encoder(model, set.CheckLengths, Tolerances.Encoder);
        if (!fp16)
            return;
        // fp16 GEMMs on fp16-exact inputs are held to the fp32 tolerance (ParityChecks.Linear says why).
        foreach (var shape in linear)
            checks.Linear(shape, Tolerances.Op, Precision.Fp16);
        foreach (var shape in attention)
            checks.Attention(shape, Tolerances.Fp16Attention, Precision.Fp16);
        foreach (var model in models.Values)
            checks.Encoder(model, set.CheckLengths, Tolerances.Fp16Encoder, Precision.Fp16);
    }

    private static void RunTimings(TimingSuite timings, ShapeSet set, Dictionary<ModelShape, BertModel> models, bool fp16)
    {
        Precision[] precisions = fp16 ? [Precision.Fp32, Precision.Fp16] : [Precision.Fp32];
        foreach (var precision in precisions)
        {
            foreach (var shape in set.Models.SelectMany(m => m.LayerGemms(set.TimingTokens)))
                timings.Gemm(shape, precision);
            foreach (var model in set.Models)
                timings.Attention(model, precision);
            foreach (var model in models.Values)
                timings.Encoder(model, precision);
        }
        foreach (var wide in fp16 ? set.Fp16Encoders : [])
            timings.Encoder(models[wide.Model], Precision.Fp16, wide);
    }

    private void Skip(string what)
    {
        _skipped.Add(what);
        log.Line($"SKIPPED {what}");
    }

    private int Finish(int exitCode, string? failure)
    {
        if (failure is not null)
            log.Line($"FAILED: {failure}");
        var report = new DeviceCheckReport("Bert.Gpu.DeviceCheck", _started, _watch.Elapsed.TotalSeconds, options.Device, options.Shapes.Name,
            _backend, "host backend (Bert.Gpu.Backends.Host.HostBackend)", _machine, _devices, _cuda, _checks?.Results ?? [],
            _timings?.Results ?? [], _skipped, options.Fp16PeakTflops, exitCode == 0, failure);
        var path = Path.Combine(options.OutDir, "devicecheck.json");
        File.WriteAllText(path, report.ToJson());
        log.Line($"wrote {path} and {Path.Combine(options.OutDir, "devicecheck.log")}; exit {exitCode} after {_watch.Elapsed.TotalSeconds:0.0} s");
        return exitCode;
    }

    private string Phase() => $"{_watch.Elapsed.TotalSeconds:0.0} s";

    private static MachineInfo DescribeMachine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new MachineInfo(Environment.MachineName, RuntimeInformation.OSDescription, cpu ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, CudaDiagnostics.IlgpuVersion());
    }
}
