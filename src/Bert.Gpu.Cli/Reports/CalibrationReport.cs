using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bert.Gpu.Calibration;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Calibration;

namespace Bert.Gpu.Cli.Reports;

/// <summary>
/// The Markdown report of a calibration: what was done, the held-out quality against fp32 (and of every method when
/// compared), per unit the activation range, threshold, clipping, SQNR and sensitivity with the decision and its
/// reason, and an SVG chart of the sensitivities beside it (<c>REPORT.svg</c>) — what a researcher reads to choose.
/// </summary>
internal static class CalibrationReport
{
    public static void Write(string path, BertModel model, string? qbert, CalibrationMethod method, CalibrationOptions options,
        CalibrationResult result, IReadOnlyList<(CalibrationMethod Method, ActivationMode Mode, CalibrationResult Result)> compared, JsonObject corpus)
    {
        var chart = Path.ChangeExtension(path, ".svg");
        File.WriteAllText(chart, SensitivityChart.Svg(result.Units));
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line($"# Calibration of {model.Name}");
        Line();
        Line($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; model content hash `{model.ContentHash[..16]}…`");
        Line($"- corpus: {corpus["path"]} (SHA-256 `{corpus["sha256"]!.ToString()[..16]}…`): {corpus["calibration_texts"]} texts to calibrate, "
            + $"{corpus["held_out_texts"]} held out ({corpus["held_out_rule"]}), never used to calibrate");
        Line($"- weights: symmetric int8 per output channel; activations: {Describe(method, options.Activations)}");
        Line($"- kept fp32: {(options.TargetMeanCosine is { } t ? $"the most sensitive units until the mean cosine reaches {t}" : options.KeepFp32.Count > 0 ? "as listed" : "none")}; "
            + $"{result.Units.Count(u => u.Int8)} of {result.Units.Count} units are int8");
        if (qbert is not null)
            Line($"- written: `{qbert}`");
        Line();
        Line("## Held-out quality against fp32");
        Line();
        Line("| model | mean cos | min cos | p1 cos | top-10 overlap | tokens/s (host) |");
        Line("|---|---:|---:|---:|---:|---:|");
        Line($"| fp32 | 1 | 1 | 1 | 1 | {result.Fp32TokensPerSecond:N0} |");
        Line($"| every unit int8 | {Q(result.AllInt8Quality)} | |");
        Line($"| **chosen** ({result.Units.Count(u => !u.Int8)} units fp32) | {Q(result.Quality)} | {result.Int8TokensPerSecond:N0} |");
        if (compared.Count > 0)
        {
            Line();
            Line("## Methods compared (same held-out texts, same keep-fp32 rule)");
            Line();
            Line("| activations | every unit int8: mean / min / p1 cos, top-10 | chosen: mean / min / p1 cos, top-10 | units fp32 | tokens/s |");
            Line("|---|---|---|---:|---:|");
            foreach (var (m, mode, r) in compared)
                Line($"| {Describe(m, mode)} | {Short(r.AllInt8Quality)} | {Short(r.Quality)} | {r.Units.Count(u => !u.Int8)} | {r.Int8TokensPerSecond:N0} |");
        }
        Line();
        Line("## Per unit");
        Line();
        Line($"![Sensitivity of each unit: the held-out mean-cosine drop when it alone is int8]({Path.GetFileName(chart)})");
        Line();
        Line("Sensitivity: 1 − held-out mean cosine against fp32 with only this unit int8. SQNR: signal-to-quantization-noise "
            + "ratio in dB (activations at the static threshold, from the |x| histogram, taking values as spread evenly over each bin).");
        Line();
        Line("| unit | in | max \\|x\\| | threshold | clipped | act. SQNR dB | weight SQNR dB | sensitivity | format |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var u in result.Units)
            Line($"| {u.Unit} | {u.InputWidth} | {F(u.InputAbsMax, "G4")} | {F(u.Threshold, "G4")} | {F(u.ClippedFraction * 100, "F4")}{(u.ClippedFraction is null ? "" : "%")} | "
                + $"{F(u.ActivationSqnrDb, "F1")} | {u.WeightSqnrDb:F1} | {u.CosineDropAlone:E2} | {(u.Int8 ? "int8" : $"**fp32**: {u.Why}")} |");
        File.WriteAllText(path, md.ToString());
    }

    private static string Describe(CalibrationMethod method, ActivationMode mode) =>
        mode == ActivationMode.DynamicPerToken ? "dynamic per token" : $"static per tensor, {method.Name}";

    private static string Q(EmbeddingQuality q) => string.Create(CultureInfo.InvariantCulture,
        $"{q.MeanCosine:F5} | {q.MinCosine:F5} | {q.P1Cosine:F5} | {q.TopTenOverlap:F3}");

    private static string Short(EmbeddingQuality q) => string.Create(CultureInfo.InvariantCulture,
        $"{q.MeanCosine:F5} / {q.MinCosine:F4} / {q.P1Cosine:F4}, {q.TopTenOverlap:F3}");

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string F(float? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
