using System.Text.Json;
using System.Text.Json.Serialization;
using Bert.Gpu.Backends.Ilgpu;

namespace Bert.Gpu.DeviceCheck;

/// <summary>One parity check: the device's output against the host backend's.</summary>
/// <param name="Group">linear, attention, layernorm, embed+layernorm, pool, l2 or encoder; linear-fp16, attention-fp16, encoder-fp16.</param>
/// <param name="Name">Which shape.</param>
/// <param name="MaxAbsDiff">Largest |device − host| over the output (NaN when the check threw or the device produced NaN).</param>
/// <param name="MaxAbsExpected">Largest |host| value, to read the difference against.</param>
/// <param name="Tolerance">Largest difference that passes.</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="DeviceSeconds">Wall time of the device run, uploads and downloads included (not a timing).</param>
/// <param name="Error">The exception, when the check threw.</param>
/// <param name="WorstCosine">Smallest cosine of a device row with the host's (encoders: per token, per embedding); null elsewhere.</param>
/// <param name="MinCosine">Smallest <paramref name="WorstCosine"/> that passes; null where no cosine is checked.</param>
internal sealed record CheckResult(string Group, string Name, double MaxAbsDiff, double MaxAbsExpected, double Tolerance, bool Passed,
    double DeviceSeconds, string? Error, double? WorstCosine = null, double? MinCosine = null)
{
    public string Describe() =>
        $"{(Passed ? "PASS" : "FAIL")} {Group,-15} {Name}: max|Δ| {MaxAbsDiff:0.0e+00} (tol {Tolerance:0.0e+00}, max|ref| {MaxAbsExpected:0.###})"
        + (WorstCosine is { } c ? $", worst row 1 − cos {1 - c:0.0e+00} (tol {1 - MinCosine:0.0e+00})" : "")
        + $" {DeviceSeconds:0.00} s{(Error is null ? "" : " — " + Error)}";
}

/// <summary>One timing: median of synchronized samples after warm-up.</summary>
/// <param name="Kind">gemm, attention or encoder: the key torch_baseline.py uses for the same measurement.</param>
/// <param name="Name">Which shape, as torch_baseline.py names it.</param>
/// <param name="Shape">The dimensions in words.</param>
/// <param name="MedianMs">Median milliseconds per launch.</param>
/// <param name="MinMs">Fastest sample, per launch.</param>
/// <param name="MaxMs">Slowest sample, per launch.</param>
/// <param name="Samples">Timed samples.</param>
/// <param name="LaunchesPerSample">Launches in each sample, between two synchronizations.</param>
/// <param name="Gflops">GFLOP/s at the median (GEMM and attention).</param>
/// <param name="TokensPerSecond">Tokens per second at the median (encoder).</param>
/// <param name="Precision"><c>fp32</c> or <c>fp16</c>: which of torch_baseline.py's variants the row is read against.</param>
/// <param name="PercentOfFp16Peak">fp16 GEMMs: GFLOP/s as a share of the GPU's dense fp16 peak (<c>--fp16-peak</c>), when given.</param>
internal sealed record TimingResult(string Kind, string Name, string Shape, double MedianMs, double MinMs, double MaxMs, int Samples,
    int LaunchesPerSample, double? Gflops, double? TokensPerSecond, string Precision, double? PercentOfFp16Peak = null)
{
    public string Describe() =>
        $"TIME {Kind,-9} {Precision} {Name} ({Shape}): median {MedianMs:0.###} ms (min {MinMs:0.###}, max {MaxMs:0.###}, {Samples}x{LaunchesPerSample})"
        + (Gflops is { } g ? $", {g:G4} GFLOP/s" : "") + (PercentOfFp16Peak is { } p ? $" = {p:0.0}% of the fp16 peak" : "")
        + (TokensPerSecond is { } t ? $", {t:0} tokens/s" : "");
}

/// <summary>What ran where: the machine, the device and the software.</summary>
internal sealed record MachineInfo(string Host, string Os, string Cpu, int LogicalCores, string Runtime, string IlgpuVersion);

/// <summary>Everything a run found, as written to devicecheck.json.</summary>
/// <remarks>
/// <c>Skipped</c> says which parts did not run and why (the host has no fp16 path); <c>Fp16PeakTflops</c> is the peak
/// <c>PercentOfFp16Peak</c> was taken against, null when none was given.
/// </remarks>
internal sealed record DeviceCheckReport(
    string Tool,
    DateTimeOffset Started,
    double Seconds,
    string RequestedDevice,
    string Shapes,
    string? Backend,
    string Reference,
    MachineInfo Machine,
    IReadOnlyList<IlgpuDeviceInfo> Devices,
    CudaDiagnosis? Cuda,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<TimingResult> Timings,
    IReadOnlyList<string> Skipped,
    double? Fp16PeakTflops,
    bool Passed,
    string? Failure)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // NaN marks a check that threw or a device that produced NaN; JSON has no NaN, so it is written as "NaN".
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        // Shapes read "+residual", not "\u002Bresidual": the file is for people and scripts, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
