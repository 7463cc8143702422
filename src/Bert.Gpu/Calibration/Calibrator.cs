using System.Diagnostics;
using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Calibration;

/// <summary>
/// Quantizes an fp32 model to int8 and measures what it cost: runs the fp32 encoder over the calibration texts with
/// an observer on every linear unit's input (for static activation scales), quantizes every unit's weight per output
/// channel, then, on held-out texts never used to calibrate, compares the int8 model's embeddings with fp32's — for
/// the whole model and for each unit quantized alone (its sensitivity) — and, given a target, keeps the most
/// sensitive units fp32 until the target is met. Residuals, LayerNorms, attention and embeddings stay fp32 always.
/// One instance serves several <see cref="Run"/>s (methods compared side by side): the fp32 reference and the
/// histograms are computed once.
/// </summary>
public sealed class Calibrator
{
    /// <summary>Held-out texts the per-unit sensitivities are measured on: enough for a stable mean, few enough for 24 runs.</summary>
    private const int SensitivityTexts = 256;

    /// <summary>Tokens per forward pass.</summary>
    private const int BatchTokens = 8192;

    private readonly BertModel _model;
    private readonly IComputeBackend _backend;
    private readonly TokenizedText[] _calibration;
    private readonly TokenizedText[] _heldOut;
    private readonly IProgress<string>? _log;
    private readonly Dictionary<string, (Int8Matrix Codes, double SqnrDb)> _weights = [];
    private float[]? _reference;
    private double _fp32TokensPerSecond;
    private UnitActivations? _activations;

    /// <param name="model">The fp32 model.</param>
    /// <param name="backend">Where the encoders run; must support int8 to evaluate the quantized models.</param>
    /// <param name="calibrationTexts">Texts whose activations set the static scales.</param>
    /// <param name="heldOutTexts">Texts the quality is measured on (never used to calibrate).</param>
    /// <param name="maxLength">Tokens per text, special tokens included.</param>
    /// <param name="log">Told what is being done, a line at a time (long steps take minutes).</param>
    public Calibrator(BertModel model, IComputeBackend backend, IReadOnlyList<string> calibrationTexts, IReadOnlyList<string> heldOutTexts,
        int maxLength, IProgress<string>? log = null)
    {
        if (model.Quantized.Count > 0)
            throw new ArgumentException($"{model.Name} is already quantized; calibrate its fp32 original.", nameof(model));
        if (heldOutTexts.Count < 2)
            throw new ArgumentException("At least 2 held-out texts are needed to compare neighbours.", nameof(heldOutTexts));
        _model = model;
        _backend = backend;
        _calibration = [.. calibrationTexts.Select(t => model.Tokenizer.Encode(t, maxLength))];
        _heldOut = [.. heldOutTexts.Select(t => model.Tokenizer.Encode(t, maxLength))];
        _log = log;
    }

    /// <summary>Quantizes the model as <paramref name="options"/> say and measures the result.</summary>
    public CalibrationResult Run(CalibrationOptions options)
    {
        var reference = Reference();
        var statics = options.Activations == ActivationMode.StaticPerTensor ? Activations() : null;
        var units = new List<(string Name, QuantizedLinear Linear, int Width)>();
        for (var layer = 0; layer < _model.Config.NumLayers; layer++)
            foreach (var unit in Enum.GetValues<LinearUnit>())
            {
                var name = BertTensorNames.Unit(layer, unit);
                var activations = statics is null
                    ? ActivationQuantization.DynamicPerToken
                    : ActivationQuantization.StaticFromThreshold(options.Method.Threshold(statics[layer, unit]));
                units.Add((name, new QuantizedLinear(Weights(layer, unit).Codes, activations), unit == LinearUnit.Output ? _model.Config.IntermediateSize : _model.Config.HiddenSize));
            }

        var kept = new Dictionary<string, string>();
        foreach (var name in options.KeepFp32)
            kept[name] = "kept fp32 as asked (--keep-fp32)";
        var plan = units.Where(u => !kept.ContainsKey(u.Name)).ToDictionary(u => u.Name, u => u.Linear);

        _log?.Report($"evaluating the int8 model on {_heldOut.Length} held-out texts");
        var (allInt8, int8Seconds, int8Tokens) = Evaluate(plan, _heldOut, reference);
        var sensitivity = new Dictionary<string, double>();
        var subset = _heldOut.Take(SensitivityTexts).ToArray();
        var subsetReference = reference.AsSpan(0, subset.Length * _model.Config.HiddenSize).ToArray();
        foreach (var (name, linear, _) in units)
        {
            _log?.Report($"sensitivity of {name} ({sensitivity.Count + 1} of {units.Count})");
            sensitivity[name] = 1 - Evaluate(new Dictionary<string, QuantizedLinear> { [name] = linear }, subset, subsetReference).Quality.MeanCosine;
        }

        var quality = allInt8;
        if (options.TargetMeanCosine is { } target)
        {
            foreach (var name in plan.Keys.OrderByDescending(n => sensitivity[n]).ToList())
            {
                if (quality.MeanCosine >= target)
                    break;
                plan.Remove(name);
                kept[name] = $"mean cosine {quality.MeanCosine:F5} < target {target:F5} with it int8; the most sensitive left (alone it costs {sensitivity[name]:E2})";
                _log?.Report($"keeping {name} fp32 ({kept.Count} so far)");
                (quality, int8Seconds, int8Tokens) = Evaluate(plan, _heldOut, reference);
            }
        }

        var reports = units.Select(u =>
        {
            var (layer, unit) = BertTensorNames.ParseUnit(u.Name, _model.Config.NumLayers)!.Value;
            var histogram = statics?[layer, unit];
            var threshold = u.Linear.Activations.StaticScale * SymmetricInt8.MaxLevel;
            var error = histogram is null || threshold is null ? ((double, double)?)null : HistogramError.At(histogram, threshold.Value);
            return new UnitReport(u.Name, u.Width, histogram?.Max, threshold, error?.Item1, error?.Item2, Weights(layer, unit).SqnrDb,
                sensitivity[u.Name], plan.ContainsKey(u.Name), kept.GetValueOrDefault(u.Name));
        }).ToList();
        return new CalibrationResult(_model.WithQuantized(plan), quality, allInt8, reports, _fp32TokensPerSecond,
            int8Tokens / Math.Max(int8Seconds, 1e-9), _heldOut.Length);
    }

    private float[] Reference()
    {
        if (_reference is not null)
            return _reference;
        _log?.Report($"fp32 embeddings of {_heldOut.Length} held-out texts");
        var clock = Stopwatch.StartNew();
        _reference = Embed(_model, _heldOut, observer: null);
        _fp32TokensPerSecond = _heldOut.Sum(t => (long)t.Ids.Length) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        return _reference;
    }

    private UnitActivations Activations()
    {
        if (_activations is not null)
            return _activations;
        _log?.Report($"observing every linear unit's input over {_calibration.Length} calibration texts");
        _activations = new UnitActivations(_model.Config);
        Embed(_model, _calibration, _activations);
        return _activations;
    }

    private (Int8Matrix Codes, double SqnrDb) Weights(int layer, LinearUnit unit)
    {
        var name = BertTensorNames.Unit(layer, unit);
        if (_weights.TryGetValue(name, out var known))
            return known;
        var fp32 = (Fp32Linear)_model.Linear(layer, unit);
        var codes = Int8Matrix.Quantize(fp32.Weight.Data, fp32.OutFeatures, fp32.InFeatures, name);
        return _weights[name] = (codes, HistogramError.WeightSqnrDb(fp32.Weight.Data, codes));
    }

    private (EmbeddingQuality Quality, double Seconds, long Tokens) Evaluate(IReadOnlyDictionary<string, QuantizedLinear> plan,
        TokenizedText[] texts, float[] reference)
    {
        var clock = Stopwatch.StartNew();
        var rows = Embed(_model.WithQuantized(plan), texts, observer: null);
        var seconds = clock.Elapsed.TotalSeconds;
        return (EmbeddingQuality.Of(reference, rows, _model.Config.HiddenSize), seconds, texts.Sum(t => (long)t.Ids.Length));
    }

    /// <summary>Pooled, normalized rows of <paramref name="texts"/> with <paramref name="model"/>, as the embedder gives them.</summary>
    private float[] Embed(BertModel model, TokenizedText[] texts, ILinearInputObserver? observer)
    {
        // Observing, the last layer runs whole: with CLS pooling it would otherwise see one row per text, and static
        // scales fitted to first tokens would clip the other tokens under mean pooling or LastHiddenState.
        using var encoder = new BertEncoder(model, _backend) { InputObserver = observer, ClsOnlyLastLayer = observer is null };
        var width = model.Config.HiddenSize;
        var rows = new float[texts.Length * width];
        for (var start = 0; start < texts.Length;)
        {
            var end = start;
            for (var tokens = 0; end < texts.Length && (end == start || tokens + texts[end].Ids.Length <= BatchTokens); end++)
                tokens += texts[end].Ids.Length;
            encoder.Embed(new PackedBatch(texts[start..end]), model.DefaultPooling, normalize: true, rows.AsSpan(start * width, (end - start) * width));
            start = end;
        }
        return rows;
    }
}
