using Bert.Gpu.Backends;
using Bert.Gpu.Heads;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Model;

/// <summary>
/// A BERT encoder in host memory: its configuration, its tensors under canonical names (<see cref="BertTensorNames"/>)
/// — fp32, except the linear units stored in int8 (<see cref="Quantized"/>), whose weights then exist only as codes —,
/// its tokenizer and how its embeddings are meant to be pooled.
/// </summary>
public sealed class BertModel
{
    private readonly IReadOnlyDictionary<string, FloatTensor> _tensors;
    private readonly IReadOnlyDictionary<string, QuantizedLinear> _quantized;
    private string? _contentHash;

    /// <summary>Creates the model and checks that every tensor the encoder needs is present, with the right shape and finite values.</summary>
    /// <param name="name">Built-in name or path the model came from, used in messages.</param>
    /// <param name="config">Shape of the encoder.</param>
    /// <param name="tensors">Tensors under canonical names; extra tensors (pooler, heads) are kept but unused.</param>
    /// <param name="tokenizer">Tokenizer matching the vocabulary.</param>
    /// <param name="defaultPooling">Pooling the model was trained with.</param>
    /// <param name="maxLength">Default maximum sequence length in tokens, special tokens included.</param>
    /// <param name="quantized">
    /// Linear units stored in int8, by <see cref="BertTensorNames.Unit"/> name; their fp32 weights may be absent from
    /// <paramref name="tensors"/> (their biases may not). Null: none.
    /// </param>
    /// <param name="heads">What the checkpoint's config says about its task head; null: none.</param>
    /// <exception cref="ModelFormatException">A tensor is missing, has the wrong shape, or holds NaN or Inf.</exception>
    public BertModel(string name, BertConfig config, IReadOnlyDictionary<string, FloatTensor> tensors,
        ITokenizer tokenizer, PoolingMode defaultPooling, int maxLength, IReadOnlyDictionary<string, QuantizedLinear>? quantized = null,
        HeadSettings? heads = null)
    {
        Heads = heads ?? HeadSettings.None;
        config.Validate(name);
        Name = name;
        Config = config;
        _tensors = tensors;
        _quantized = quantized ?? new Dictionary<string, QuantizedLinear>();
        Tokenizer = tokenizer;
        DefaultPooling = defaultPooling;
        MaxLength = Math.Min(maxLength, config.MaxSequenceLength);
        CheckTensors();
    }

    /// <summary>Built-in name or path the model came from.</summary>
    public string Name { get; }

    /// <summary>Shape of the encoder.</summary>
    public BertConfig Config { get; }

    /// <summary>Tokenizer matching the vocabulary.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Pooling the model was trained with.</summary>
    public PoolingMode DefaultPooling { get; }

    /// <summary>Default maximum sequence length in tokens, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>What the checkpoint's config says about its task head.</summary>
    public HeadSettings Heads { get; }

    /// <summary>
    /// The task head of kind <paramref name="kind"/> (by default the one <c>architectures</c> names), read from this
    /// checkpoint's own tensors in its family's layout (<see cref="HeadRecipes"/>), every tensor checked for shape.
    /// </summary>
    /// <exception cref="ModelFormatException">No kind is named and the config names none, or the head's tensors are missing or misshapen (named).</exception>
    public TaskHead Head(HeadKind? kind = null)
    {
        var chosen = kind ?? Heads.Kind ?? throw new ModelFormatException(Name,
            $"its config names no task head (architectures: {Heads.Architecture ?? "none"}); this checkpoint is an encoder only.");
        var steps = Bert.Gpu.Heads.HeadRecipes.Steps(chosen, Config);
        var width = Config.HiddenSize;
        foreach (var step in steps)
        {
            switch (step)
            {
                case LinearStep linear:
                    var w = HeadTensor(linear.Weight, chosen);
                    if (w.Shape.Length != 2 || w.Shape[1] != width)
                        throw new ModelFormatException(Name, $"the {chosen} head's '{linear.Weight}' is {w.ShapeText}; expected [out, {width}].");
                    width = w.Shape[0];
                    if (!HeadTensor(linear.Bias, chosen).HasShape(width))
                        throw new ModelFormatException(Name, $"the {chosen} head's '{linear.Bias}' is {this[linear.Bias].ShapeText}; expected [{width}].");
                    break;
                case LayerNormStep norm:
                    if (!HeadTensor(norm.Gamma, chosen).HasShape(width) || !HeadTensor(norm.Beta, chosen).HasShape(width))
                        throw new ModelFormatException(Name, $"the {chosen} head's LayerNorm '{norm.Gamma}' / '{norm.Beta}' is not [{width}].");
                    break;
            }
        }
        var labels = chosen is HeadKind.SequenceClassification or HeadKind.TokenClassification ? Heads.Labels : [];
        if (labels.Count > 0 && labels.Count != width)
            throw new ModelFormatException(Name, $"config.json names {labels.Count} labels (id2label / num_labels) but the {chosen} head outputs {width}.");
        var scores = chosen switch
        {
            HeadKind.SequenceClassification when Heads.ProblemType == "regression" => ScoreFunction.None,
            HeadKind.SequenceClassification when Heads.ProblemType == "multi_label_classification" || width == 1 => ScoreFunction.Sigmoid,
            HeadKind.QuestionAnswering => ScoreFunction.None,
            _ => ScoreFunction.Softmax,
        };
        return new TaskHead(chosen, Heads.Architecture ?? chosen.ToString(), steps, width, labels, scores);
    }

    private FloatTensor HeadTensor(string name, HeadKind kind) =>
        _tensors.TryGetValue(name, out var t)
            ? t
            : throw new ModelFormatException(Name, $"has no {kind} head: tensor '{name}' is missing (the checkpoint may be the bare encoder; use one saved from a …For{kind} model).");

    /// <summary>All tensors by canonical name.</summary>
    public IReadOnlyDictionary<string, FloatTensor> Tensors => _tensors;

    /// <summary>The linear units stored in int8, by <see cref="BertTensorNames.Unit"/> name (empty for an fp32 model).</summary>
    public IReadOnlyDictionary<string, QuantizedLinear> Quantized => _quantized;

    /// <summary>
    /// The same model with <paramref name="quantized"/> units in int8 (replacing any this one had): shares every tensor,
    /// so trying many quantization plans (calibration's per-layer sensitivity) costs no copies.
    /// </summary>
    public BertModel WithQuantized(IReadOnlyDictionary<string, QuantizedLinear> quantized) =>
        new(Name, Config, _tensors, Tokenizer, DefaultPooling, MaxLength, quantized, Heads);

    /// <summary>
    /// Layer <paramref name="layer"/>'s <paramref name="unit"/> as it is to be uploaded: int8 if the model stores it so,
    /// else fp32 (Q, K and V stacked into one <c>[3·hidden, hidden]</c> weight for <see cref="LinearUnit.Qkv"/>).
    /// </summary>
    public LinearLayer Linear(int layer, LinearUnit unit)
    {
        var prefix = BertTensorNames.Layer(layer);
        var parts = BertTensorNames.Parts(unit);
        var bias = Stack(parts.Select(part => this[prefix + part + ".bias"]).ToList());
        return _quantized.TryGetValue(BertTensorNames.Unit(layer, unit), out var q)
            ? new Int8Linear(q.Weight, bias, q.Activations)
            : new Fp32Linear(Stack(parts.Select(part => this[prefix + part + ".weight"]).ToList()), bias);
    }

    /// <summary>Tensors of equal trailing shape stacked along the first dimension; one tensor is returned as it is.</summary>
    private static FloatTensor Stack(IReadOnlyList<FloatTensor> tensors)
    {
        if (tensors.Count == 1)
            return tensors[0];
        var data = new float[tensors.Sum(t => t.Data.Length)];
        var offset = 0;
        foreach (var t in tensors)
        {
            t.Data.CopyTo(data, offset);
            offset += t.Data.Length;
        }
        return new FloatTensor(data, [tensors.Sum(t => t.Shape[0]), .. tensors[0].Shape[1..]]);
    }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public FloatTensor this[string name] =>
        _tensors.TryGetValue(name, out var t)
            ? t
            : throw new ModelFormatException(Name, $"missing tensor '{name}'.");

    /// <summary>
    /// A SHA-256 (hex) of everything that decides the hidden states: the configuration, the tokenizer's vocabulary and
    /// settings, every tensor the encoder reads (name, shape, values) and every int8 unit (codes, scales, activation
    /// quantization). The same model read from another file format (safetensors, ONNX) has the same hash; a changed
    /// weight, vocabulary or quantization changes it. Computed on first use.
    /// </summary>
    public string ContentHash => _contentHash ??= ModelFingerprint.Compute(this, EncoderTensors(Config).Select(t => t.Name).Where(_tensors.ContainsKey));

    /// <summary>The tensors the encoder reads, with their shapes.</summary>
    internal static IEnumerable<(string Name, int[] Shape)> EncoderTensors(BertConfig c)
    {
        var e = c.EmbeddingWidth;
        yield return (BertTensorNames.WordEmbeddings, [c.VocabSize, e]);
        yield return (BertTensorNames.PositionEmbeddings, [c.MaxPositionEmbeddings, e]);
        yield return (BertTensorNames.TokenTypeEmbeddings, [c.TypeVocabSize, e]);
        yield return (BertTensorNames.EmbeddingsLayerNormWeight, [e]);
        yield return (BertTensorNames.EmbeddingsLayerNormBias, [e]);
        if (c.HasEmbeddingProjection)
        {
            yield return (BertTensorNames.EmbeddingsProjection + ".weight", [c.HiddenSize, e]);
            yield return (BertTensorNames.EmbeddingsProjection + ".bias", [c.HiddenSize]);
        }
        for (var layer = 0; layer < c.NumLayers; layer++)
        {
            var p = BertTensorNames.Layer(layer);
            foreach (var part in new[] { BertTensorNames.LayerPart.Query, BertTensorNames.LayerPart.Key, BertTensorNames.LayerPart.Value, BertTensorNames.LayerPart.AttentionOutput })
            {
                yield return (p + part + ".weight", [c.HiddenSize, c.HiddenSize]);
                yield return (p + part + ".bias", [c.HiddenSize]);
            }
            yield return (p + BertTensorNames.LayerPart.Intermediate + ".weight", [c.IntermediateSize, c.HiddenSize]);
            yield return (p + BertTensorNames.LayerPart.Intermediate + ".bias", [c.IntermediateSize]);
            yield return (p + BertTensorNames.LayerPart.Output + ".weight", [c.HiddenSize, c.IntermediateSize]);
            yield return (p + BertTensorNames.LayerPart.Output + ".bias", [c.HiddenSize]);
            foreach (var ln in new[] { BertTensorNames.LayerPart.AttentionLayerNorm, BertTensorNames.LayerPart.OutputLayerNorm })
            {
                yield return (p + ln + ".weight", [c.HiddenSize]);
                yield return (p + ln + ".bias", [c.HiddenSize]);
            }
        }
    }

    private void CheckTensors()
    {
        var codesOnly = new HashSet<string>();
        foreach (var (unitName, q) in _quantized)
        {
            var (layer, unit) = FindUnit(unitName);
            var rows = BertTensorNames.Parts(unit).Count * (unit == LinearUnit.Intermediate ? Config.IntermediateSize : Config.HiddenSize);
            var columns = unit == LinearUnit.Output ? Config.IntermediateSize : Config.HiddenSize;
            if (q.Weight.Rows != rows || q.Weight.Columns != columns)
                throw new ModelFormatException(Name, $"int8 unit '{unitName}' is [{q.Weight.Rows},{q.Weight.Columns}], expected [{rows},{columns}].");
            foreach (var part in BertTensorNames.Parts(unit))
                codesOnly.Add(BertTensorNames.Layer(layer) + part + ".weight");
        }
        foreach (var (name, shape) in EncoderTensors(Config))
        {
            if (codesOnly.Contains(name) && !_tensors.ContainsKey(name))
                continue;
            var t = this[name];
            if (!t.HasShape(shape))
                throw new ModelFormatException(Name, $"tensor '{name}' has shape {t.ShapeText}, expected [{string.Join(",", shape)}].");
            // A NaN or Inf weight makes every embedding NaN: refuse it here, naming it, rather than write NaN rows.
            if (FiniteCheck.FirstNonFinite(t.Data) is { } bad)
                throw new ModelFormatException(Name, $"tensor '{name}' holds {Describe(t.Data[bad])} at {t.IndexText(bad)}; the checkpoint is damaged (or was saved after training diverged).");
        }
        if (Tokenizer.VocabSize > Config.VocabSize)
            throw new ModelFormatException(Name, $"the vocabulary has {Tokenizer.VocabSize} tokens but the word-embedding table only {Config.VocabSize} rows.");
    }

    /// <summary>The layer and unit a <see cref="BertTensorNames.Unit"/> name stands for.</summary>
    private (int Layer, LinearUnit Unit) FindUnit(string unitName) =>
        BertTensorNames.ParseUnit(unitName, Config.NumLayers)
        ?? throw new ModelFormatException(Name, $"'{unitName}' is not a linear unit of this {Config.NumLayers}-layer model (e.g. {BertTensorNames.Unit(0, LinearUnit.Qkv)}).");

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}
