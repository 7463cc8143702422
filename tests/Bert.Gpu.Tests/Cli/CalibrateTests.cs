using System.Xml.Linq;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// <c>calibrate</c> then <c>embed --model FILE.qbert</c> through the real program, on MiniLM with a small corpus (the
/// tokenizer fixtures' held-out texts): the file is the model the library runs, int8 really runs, and mistakes are named.
/// </summary>
public sealed class CalibrateTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>, IDisposable
{
    private static readonly string Corpus = RepoPaths.Data("tokenizer", "heldout.jsonl");

    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-calibrate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Calibrates MiniLM on 40 texts (32 to calibrate, 8 held out), every unit int8.</summary>
    internal static CliRunner.Result Calibrate(string output, params string[] extra) => CliRunner.Run(
        ["calibrate", "--model", "minilm", "--corpus", Corpus, "--text-field", "text", "--max-texts", "40", "--keep-fp32", "none",
            "--output", output, .. extra]);

    [Fact]
    public void AStaticCalibrationEmbedsAsTheLibraryRunsItsFile()
    {
        var qbert = PathOf("m.qbert");
        var calibrated = Calibrate(qbert, "--activations", "static", "--method", "mse", "--report", PathOf("r.md"));
        Assert.True(calibrated.ExitCode == 0, calibrated.StandardError);
        var model = ModelLoader.Load(qbert);
        Assert.Equal(24, model.Quantized.Count);
        Assert.All(model.Quantized.Values, q => Assert.Equal(ActivationMode.StaticPerTensor, q.Activations.Mode));

        var input = Path.Combine(RepoPaths.Root, "examples", "sentences.txt");
        var embedded = CliRunner.Run("embed", "-i", input, "-o", PathOf("e.npy"), "--model", qbert, "--device", "cpu");
        Assert.True(embedded.ExitCode == 0, embedded.StandardError);

        var (rows, width, values) = NpyFile.Read(PathOf("e.npy"));
        var texts = File.ReadAllLines(input);
        Assert.Equal((texts.Length, 384), (rows, width));
        using var int8 = new Embedder(model, fixture.Backend!);
        using var fp32 = new Embedder(fixture.Model, fixture.Backend!);
        var library = int8.Embed(texts);
        var reference = fp32.Embed(texts);
        for (var i = 0; i < rows; i++)
        {
            var row = values.AsSpan(i * width, width);
            Assert.InRange(Reference.MaxAbsDiff(library[i], row), 0f, 1e-6f);
            // int8 ran (the fp32 row is not what came out) and stayed close to fp32.
            Assert.InRange(Reference.Cosine(reference[i], row), 0.98, 0.99999);
        }

        var report = File.ReadAllText(PathOf("r.md"));
        Assert.Contains("## Held-out quality against fp32", report);
        Assert.Contains("encoder.layer.5.output.dense", report);
        Assert.Equal("svg", XDocument.Load(PathOf("r.svg")).Root!.Name.LocalName);
    }

    [Fact]
    public void CompareReportsEveryMethod_TheChosenOneAsChosen()
    {
        var calibrated = Calibrate(PathOf("m.qbert"), "--compare", "--report", PathOf("r.md"));
        Assert.True(calibrated.ExitCode == 0, calibrated.StandardError);
        var rows = File.ReadAllLines(PathOf("r.md")).SkipWhile(l => !l.StartsWith("## Methods compared")).Skip(4)
            .TakeWhile(l => l.StartsWith('|')).ToArray();
        Assert.Equal(["static per tensor, minmax", "static per tensor, percentile-99.9", "static per tensor, percentile-99.99",
            "static per tensor, percentile-99.999", "static per tensor, entropy", "static per tensor, mse", "dynamic per token"],
            rows.Select(r => r.Split('|')[1].Trim()));
        // The chosen (default: dynamic) model's held-out quality, as the summary line printed it, is the dynamic row's.
        var summary = System.Text.RegularExpressions.Regex.Match(calibrated.StandardError, @"int8: mean cosine (\d\.\d{5})");
        Assert.True(summary.Success, calibrated.StandardError);
        Assert.StartsWith(summary.Groups[1].Value, rows[^1].Split('|')[3].Trim());
    }

    [Theory]
    [InlineData("--output", "m.bin", "name the output FILE.qbert")]
    [InlineData("--method", "kl", "--method 'kl': choose one of minmax, percentile, entropy, mse")]
    [InlineData("--keep-fp32", "encoder.layer.6.output.dense", "'encoder.layer.6.output.dense' is not a linear unit of this model")]
    [InlineData("--target-cos", "1.5", "--target-cos 1.5: must be in (0, 1]")]
    public void AMistakeIsNamedBeforeAnythingRuns(string option, string value, string expected)
    {
        var output = PathOf(option == "--output" ? value : "m.qbert");
        var args = new List<string> { "calibrate", "--model", "minilm", "--corpus", Corpus, "--text-field", "text", option,
            option == "--output" ? output : value };
        if (option != "--output")
            args.AddRange(["--output", output]);
        if (option == "--target-cos")
            args.AddRange(["--keep-fp32", "auto"]);
        var result = CliRunner.Run([.. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void ACorpusTooSmallToHoldTextsOutIsRefused()
    {
        File.WriteAllLines(PathOf("c.txt"), ["one text", "two texts", "three texts", "four texts", "five texts"]);
        var result = CliRunner.Run("calibrate", "--model", "minilm", "--corpus", PathOf("c.txt"), "--output", PathOf("m.qbert"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("5 distinct texts; calibration needs at least 10", result.StandardError);
    }
}
