using Bert.Gpu.Backends;

namespace Bert.Gpu.DeviceCheck;

/// <summary>The command line: which device, which shape set, where the results go.</summary>
/// <param name="Device">A <see cref="BackendFactory"/> name other than <c>auto</c>: the check must say what it ran on.</param>
/// <param name="Shapes">The shape set: BERT's real sizes, or tiny ones for CPU runtimes.</param>
/// <param name="OutDir">Folder for <c>devicecheck.json</c> and <c>devicecheck.log</c>.</param>
/// <param name="Samples">Timed samples per measurement (the median is reported); null = the shape set's default.</param>
/// <param name="Fp16PeakTflops">The GPU's dense fp16 tensor-core peak (TFLOP/s), for the fp16 GEMMs' share of it; null = not reported.</param>
internal sealed record CheckOptions(string Device, ShapeSet Shapes, string OutDir, int? Samples, double? Fp16PeakTflops)
{
    public const string Usage =
        "usage: Bert.Gpu.DeviceCheck --device cuda|opencl|ilgpu-cpu|cpu [--shapes real|small] [--out DIR] [--samples N] [--fp16-peak TFLOPS]\n"
        + "  Runs every kernel and whole random-weight encoders on DEVICE against the host backend, then times them;\n"
        + "  writes DIR/devicecheck.json and DIR/devicecheck.log (DIR defaults to ./devicecheck-out). fp16 runs where the\n"
        + "  backend has the path; TFLOPS (bench/gpu/fp16_peak.py) gives its GEMMs a share of the GPU's dense fp16 peak.\n"
        + "  Exit status: 0 all checks passed, 1 a check failed, 2 usage error, 3 device unavailable, 4 crashed.";

    /// <exception cref="ArgumentException">The arguments are wrong; the message says how.</exception>
    public static CheckOptions Parse(string[] args)
    {
        string? device = null, shapes = "real", outDir = "devicecheck-out";
        int? samples = null;
        double? peak = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--device": device = Value(); break;
                case "--shapes": shapes = Value(); break;
                case "--out": outDir = Value(); break;
                case "--samples":
                    samples = int.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException("--samples needs a positive integer.");
                    break;
                case "--fp16-peak":
                    peak = double.TryParse(Value(), System.Globalization.CultureInfo.InvariantCulture, out var p) && p > 0
                        ? p : throw new ArgumentException("--fp16-peak needs a positive number of TFLOP/s.");
                    break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        if (device is null)
            throw new ArgumentException("--device is required.");
        if (device is "auto" || !BackendFactory.DeviceNames.Contains(device))
            throw new ArgumentException($"--device must be cuda, opencl, ilgpu-cpu or cpu, not '{device}'.");
        var set = shapes switch
        {
            "real" => ShapeSet.Real,
            "small" => ShapeSet.Small,
            _ => throw new ArgumentException($"--shapes must be real or small, not '{shapes}'."),
        };
        return new CheckOptions(device, set, outDir, samples, peak);
    }
}
