using System.Text;
using Bert.Gpu.Calibration;

namespace Bert.Gpu.Cli.Reports;

/// <summary>
/// A horizontal bar chart, in SVG, of each unit's sensitivity on a log scale (drops span 1e-7 to 1e-2), units kept
/// fp32 in another colour: the report's per-layer error chart, written without a plotting library.
/// </summary>
internal static class SensitivityChart
{
    private const int Row = 16, Label = 330, Plot = 420, Top = 40;

    public static string Svg(IReadOnlyList<UnitReport> units)
    {
        var drops = units.Select(u => Math.Max(u.CosineDropAlone, 1e-9)).ToList();
        var low = Math.Floor(Math.Log10(drops.Min()));
        var high = Math.Max(Math.Ceiling(Math.Log10(drops.Max())), low + 1);
        double X(double drop) => Label + Plot * (Math.Log10(drop) - low) / (high - low);
        var height = Top + Row * units.Count + 30;
        var svg = new StringBuilder();
        void Add(FormattableString text) => svg.Append(FormattableString.Invariant(text)).Append('\n');
        Add($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Label + Plot + 20}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        Add($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        Add($"<text x=\"{Label}\" y=\"16\" font-size=\"13\">held-out mean-cosine drop with only this unit int8 (log scale)</text>");
        Add($"<text x=\"{Label}\" y=\"30\" fill=\"#c0392b\">■ kept fp32</text><text x=\"{Label + 90}\" y=\"30\" fill=\"#2e86c1\">■ int8</text>");
        for (var e = low; e <= high; e++)
        {
            var x = X(Math.Pow(10, e));
            Add($"<line x1=\"{x:F1}\" y1=\"{Top - 4}\" x2=\"{x:F1}\" y2=\"{Top + Row * units.Count}\" stroke=\"#ddd\"/>");
            Add($"<text x=\"{x:F1}\" y=\"{height - 10}\" text-anchor=\"middle\">1e{e:F0}</text>");
        }
        for (var i = 0; i < units.Count; i++)
        {
            var y = Top + Row * i;
            Add($"<text x=\"{Label - 6}\" y=\"{y + 11}\" text-anchor=\"end\">{units[i].Unit}</text>");
            Add($"<rect x=\"{Label}\" y=\"{y + 2}\" width=\"{Math.Max(1, X(drops[i]) - Label):F1}\" height=\"{Row - 4}\" fill=\"{(units[i].Int8 ? "#2e86c1" : "#c0392b")}\"/>");
        }
        Add($"</svg>");
        return svg.ToString();
    }
}
