using Bert.Gpu.Backends;

namespace Bert.Gpu.DeviceCheck;

/// <summary>The command line: which device, which shape set, where the results go.</summary>
/// <param name="Device">A <see cref="BackendFactory"/> name other than <c>auto</c>: the check must say what it ran on.</param>
/// <param name="Shapes">The shape set: BERT's real sizes, or tiny ones for CPU runtimes.</param>
/// <param name="OutDir">Folder for <c>devicecheck.json</c> and <c>devicecheck.log</c>.</param>
/// <param name="Samples">Timed samples per measurement (the median is reported); null = the shape set's default.</param>
internal sealed record CheckOptions(string Device, ShapeSet Shapes, string OutDir, int? Samples)
{
    public const string Usage =
        "usage: Bert.Gpu.DeviceCheck --device cuda|opencl|ilgpu-cpu|cpu [--shapes real|small] [--out DIR] [--samples N]\n"
        + "  Runs every kernel and whole random-weight encoders on DEVICE against the host backend, then times them;\n"
        + "  writes DIR/devicecheck.json and DIR/devicecheck.log (DIR defaults to ./devicecheck-out).\n"
        + "  Exit status: 0 all checks passed, 1 a check failed, 2 usage error, 3 device unavailable, 4 crashed.";

    /// <exception cref="ArgumentException">The arguments are wrong; the message says how.</exception>
    public static CheckOptions Parse(string[] args)
    {
        string? device = null, shapes = "real", outDir = "devicecheck-out";
        int? samples = null;
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
        return new CheckOptions(device, set, outDir, samples);
    }
}
