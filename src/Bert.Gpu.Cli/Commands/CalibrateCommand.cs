using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Bert.Gpu.Backends;
using Bert.Gpu.Calibration;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Reports;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>calibrate</c>: quantizes a model to int8 from a corpus and writes a <c>.qbert</c> file and a report. The corpus's
/// distinct texts are split: every fifth is held out (never used to calibrate) and the quality is measured on those.
/// </summary>
internal static class CalibrateCommand
{
    /// <summary>Every fifth distinct text is held out: 20%, spread over the corpus rather than its tail.</summary>
    private const int HeldOutEvery = 5;

    private static readonly (CalibrationMethod Method, ActivationMode Mode)[] Compared =
    [
        (CalibrationMethod.MinMax, ActivationMode.StaticPerTensor),
        (CalibrationMethod.Percentile(99.9), ActivationMode.StaticPerTensor),
        (CalibrationMethod.Percentile(99.99), ActivationMode.StaticPerTensor),
        (CalibrationMethod.Percentile(99.999), ActivationMode.StaticPerTensor),
        (CalibrationMethod.Entropy, ActivationMode.StaticPerTensor),
        (CalibrationMethod.Mse, ActivationMode.StaticPerTensor),
        (CalibrationMethod.MinMax, ActivationMode.DynamicPerToken),
    ];

    private sealed record Settings(string Model, string Corpus, InputFormat InputFormat, string? TextField, string? TextColumn,
        string Method, double Percentile, ActivationMode Activations, string KeepFp32, double TargetCos, string? Output,
        string? Report, bool Compare, int MaxTexts, int? MaxLength, int Threads, bool Overwrite);

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var corpus = new Option<string>("--corpus") { Description = "Calibration texts (lines, .jsonl with --text-field, .csv with --text-column; - for stdin).", Required = true };
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var method = new Option<string>("--method") { Description = "Static activation thresholds: minmax, percentile, entropy or mse.", DefaultValueFactory = _ => "percentile" };
        var percentile = new Option<double>("--percentile") { Description = "With --method percentile: 99.9, 99.99 or 99.999 (any value in (0, 100]).", DefaultValueFactory = _ => 99.99 };
        var activations = OptionParsers.Enum("--activations", "dynamic (per-token scales at run time, the default) or static (calibrated per-tensor scales).", ActivationChoice.Dynamic);
        var keepFp32 = new Option<string>("--keep-fp32")
        {
            Description = "auto (keep the most sensitive units fp32 until --target-cos is met), none, or a comma-separated list of units (e.g. encoder.layer.5.output.dense).",
            DefaultValueFactory = _ => "auto",
        };
        var targetCos = new Option<double>("--target-cos") { Description = "With --keep-fp32 auto: the held-out mean cosine against fp32 to reach.", DefaultValueFactory = _ => 0.999 };
        var output = new Option<string?>("--output", "-o") { Description = "The quantized model, FILE.qbert (embed --model FILE.qbert runs it)." };
        var report = new Option<string?>("--report") { Description = "A Markdown report (with an SVG chart beside it)." };
        var compare = new Option<bool>("--compare") { Description = "Also evaluate every method side by side on the held-out texts, into the report." };
        var maxTexts = OptionParsers.Int("--max-texts", "Distinct corpus texts to use at most.", 2000, min: 10);
        var maxLength = CommonOptions.MaxLength();
        var threads = OptionParsers.Int("--threads", "Host threads (0 = all cores).", 0, min: 0, max: 4096);
        var overwrite = CommonOptions.Overwrite();
        var command = new Command("calibrate", "Quantize a model to int8 from a corpus: a .qbert file and a report of what it cost.")
        {
            model, corpus, inputFormat, textField, textColumn, method, percentile, activations, keepFp32, targetCos, output, report,
            compare, maxTexts, maxLength, threads, overwrite,
        };
        command.SetAction(result => Run(new Settings(result.GetRequiredValue(model), result.GetRequiredValue(corpus),
            result.GetValue(inputFormat), result.GetValue(textField), result.GetValue(textColumn), result.GetRequiredValue(method),
            result.GetValue(percentile), result.GetValue(activations) == ActivationChoice.Static ? ActivationMode.StaticPerTensor : ActivationMode.DynamicPerToken,
            result.GetRequiredValue(keepFp32), result.GetValue(targetCos), result.GetValue(output), result.GetValue(report),
            result.GetValue(compare), result.GetValue(maxTexts), result.GetValue(maxLength), result.GetValue(threads), result.GetValue(overwrite))));
        return command;
    }

    /// <summary>The <c>--activations</c> values.</summary>
    private enum ActivationChoice
    {
        Dynamic,
        Static,
    }

    private static int Run(Settings s)
    {
        if (s.Output is null && s.Report is null)
            throw new CliException("calibrate: name --output FILE.qbert (the model) and/or --report FILE.md (what it cost).");
        if (s.Output is { } o && !o.EndsWith(".qbert", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{o}: a quantized model is written as .qbert; name the output FILE.qbert.");
        var method = ParseMethod(s.Method, s.Percentile);
        using var input = TextInput.Open(s.Corpus, s.InputFormat, s.TextField, s.TextColumn);
        foreach (var (path, option) in new[] { (s.Output, "--output"), (s.Report, "--report") })
            if (path is not null)
                OutputChecks.Check(path, option, input.Path, s.Overwrite);

        var (texts, corpusHash) = ReadCorpus(input, s.MaxTexts);
        var heldOut = texts.Where((_, i) => i % HeldOutEvery == HeldOutEvery - 1).ToList();
        var calibration = texts.Where((_, i) => i % HeldOutEvery != HeldOutEvery - 1).ToList();
        if (heldOut.Count < 2)
            throw new CliException($"{input.Name}: {texts.Count} distinct texts; calibration needs at least 10 (every fifth is held out to measure the result).");
        var model = CommonOptions.LoadModel(s.Model);
        var maxLength = CommonOptions.ResolveMaxLength(s.MaxLength, model);
        var units = Enumerable.Range(0, model.Config.NumLayers).SelectMany(l => Enum.GetValues<LinearUnit>().Select(u => BertTensorNames.Unit(l, u))).ToHashSet();
        var (keep, target) = ParseKeep(s.KeepFp32, s.TargetCos, units);
        Console.Error.WriteLine($"{texts.Count} distinct texts from {input.Name}: {calibration.Count} to calibrate, {heldOut.Count} held out");

        using var backend = BackendFactory.Create("cpu", s.Threads);
        var calibrator = new Calibrator(model, backend, calibration, heldOut, maxLength, new SynchronousProgress(line => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}")));
        var options = new CalibrationOptions { Method = method, Activations = s.Activations, KeepFp32 = keep, TargetMeanCosine = target };
        var result = calibrator.Run(options);
        Console.Error.WriteLine($"int8: mean cosine {result.Quality.MeanCosine:F5}, min {result.Quality.MinCosine:F5}, top-10 overlap {result.Quality.TopTenOverlap:F3}; "
            + $"{result.Units.Count(u => u.Int8)} of {result.Units.Count} units int8");

        // The chosen configuration is one of the compared ones (dynamic scales ignore the method): its result is reused.
        bool IsChosen((CalibrationMethod Method, ActivationMode Mode) c) =>
            c.Mode == options.Activations && (c.Mode == ActivationMode.DynamicPerToken || c.Method == options.Method);
        var compared = s.Compare
            ? Compared.Select(c => (c.Method, c.Mode, Result: IsChosen(c) ? result : calibrator.Run(options with { Method = c.Method, Activations = c.Mode }))).ToList()
            : [];
        var corpus = new JsonObject
        {
            ["path"] = input.Name, ["sha256"] = corpusHash, ["calibration_texts"] = calibration.Count, ["held_out_texts"] = heldOut.Count,
            ["held_out_rule"] = $"every {HeldOutEvery}th distinct text",
        };
        if (s.Output is { } outputPath)
        {
            QbertModel.Save(result.Model, outputPath, model.Name, model.ContentHash, Record(s, method, options, result, corpus));
            Console.Error.WriteLine($"wrote {outputPath}");
        }
        if (s.Report is { } reportPath)
        {
            CalibrationReport.Write(reportPath, model, s.Output, method, options, result, compared, corpus);
            Console.Error.WriteLine($"wrote {reportPath}");
        }
        return 0;
    }

    /// <summary>Distinct texts, in corpus order, at most <paramref name="max"/>; and the SHA-256 of all of them.</summary>
    private static (List<string> Texts, string Sha256) ReadCorpus(TextInput input, int max)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var texts = new List<string>();
        using var hash = new RunningHash();
        foreach (var text in input.Texts)
        {
            if (texts.Count == max)
                break;
            if (text.Text.Length > 0 && seen.Add(text.Text))
            {
                texts.Add(text.Text);
                hash.AppendText(text.Text);
            }
        }
        return (texts, hash.Current);
    }

    private static CalibrationMethod ParseMethod(string name, double percentile) => name.ToLowerInvariant() switch
    {
        "minmax" => CalibrationMethod.MinMax,
        "entropy" => CalibrationMethod.Entropy,
        "mse" => CalibrationMethod.Mse,
        "percentile" => percentile > 0 && percentile <= 100
            ? CalibrationMethod.Percentile(percentile)
            : throw new CliException($"--percentile {percentile}: must be in (0, 100], e.g. 99.99."),
        _ => throw new CliException($"--method '{name}': choose one of minmax, percentile, entropy, mse."),
    };

    private static (IReadOnlyList<string> Keep, double? Target) ParseKeep(string keep, double target, HashSet<string> units)
    {
        if (keep.Equals("auto", StringComparison.OrdinalIgnoreCase))
            return target > 0 && target <= 1 ? ([], target) : throw new CliException($"--target-cos {target}: must be in (0, 1], e.g. 0.999.");
        if (keep.Equals("none", StringComparison.OrdinalIgnoreCase))
            return ([], null);
        var named = keep.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var unit in named)
            if (!units.Contains(unit))
                throw new CliException($"--keep-fp32: '{unit}' is not a linear unit of this model; units are named like {units.First()} (auto, none, or a comma-separated list).");
        return (named, null);
    }

    private static JsonObject Record(Settings s, CalibrationMethod method, CalibrationOptions options, CalibrationResult result, JsonObject corpus) => new()
    {
        ["activations"] = options.Activations == ActivationMode.StaticPerTensor ? "static-per-tensor" : "dynamic-per-token",
        ["method"] = options.Activations == ActivationMode.StaticPerTensor ? method.Name : null,
        ["weights"] = "symmetric int8 per output channel, round half to even",
        ["keep_fp32"] = s.KeepFp32,
        ["target_mean_cosine"] = options.TargetMeanCosine,
        ["fp32_units"] = new JsonObject([.. result.Units.Where(u => !u.Int8).Select(u => KeyValuePair.Create(u.Unit, (JsonNode?)u.Why))]),
        ["corpus"] = corpus.DeepClone(),
        ["held_out_quality"] = new JsonObject
        {
            ["mean_cosine"] = result.Quality.MeanCosine, ["min_cosine"] = result.Quality.MinCosine,
            ["p1_cosine"] = result.Quality.P1Cosine, ["top10_overlap"] = result.Quality.TopTenOverlap,
        },
        ["tool"] = "Bert.Gpu.Cli calibrate",
        ["created"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
