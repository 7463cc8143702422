using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Model;

/// <summary>
/// A BERT encoder in host memory: its configuration, its fp32 tensors under canonical names
/// (<see cref="BertTensorNames"/>), its tokenizer and how its embeddings are meant to be pooled.
/// </summary>
public sealed class BertModel
{
    private readonly IReadOnlyDictionary<string, FloatTensor> _tensors;
    private string? _contentHash;

    /// <summary>Creates the model and checks that every tensor the encoder needs is present, with the right shape and finite values.</summary>
    /// <param name="name">Built-in name or path the model came from, used in messages.</param>
    /// <param name="config">Shape of the encoder.</param>
    /// <param name="tensors">Tensors under canonical names; extra tensors (pooler, heads) are kept but unused.</param>
    /// <param name="tokenizer">Tokenizer matching the vocabulary.</param>
    /// <param name="defaultPooling">Pooling the model was trained with.</param>
    /// <param name="maxLength">Default maximum sequence length in tokens, special tokens included.</param>
    /// <exception cref="ModelFormatException">A tensor is missing, has the wrong shape, or holds NaN or Inf.</exception>
    public BertModel(string name, BertConfig config, IReadOnlyDictionary<string, FloatTensor> tensors,
        BertTokenizer tokenizer, PoolingMode defaultPooling, int maxLength)
    {
        config.Validate(name);
        Name = name;
        Config = config;
        _tensors = tensors;
        Tokenizer = tokenizer;
        DefaultPooling = defaultPooling;
        MaxLength = Math.Min(maxLength, config.MaxPositionEmbeddings);
        CheckTensors();
    }

    /// <summary>Built-in name or path the model came from.</summary>
    public string Name { get; }

    /// <summary>Shape of the encoder.</summary>
    public BertConfig Config { get; }

    /// <summary>Tokenizer matching the vocabulary.</summary>
    public BertTokenizer Tokenizer { get; }

    /// <summary>Pooling the model was trained with.</summary>
    public PoolingMode DefaultPooling { get; }

    /// <summary>Default maximum sequence length in tokens, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>All tensors by canonical name.</summary>
    public IReadOnlyDictionary<string, FloatTensor> Tensors => _tensors;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="ModelFormatException">No such tensor.</exception>
    public FloatTensor this[string name] =>
        _tensors.TryGetValue(name, out var t)
            ? t
            : throw new ModelFormatException(Name, $"missing tensor '{name}'.");

    /// <summary>
    /// A SHA-256 (hex) of everything that decides the hidden states: the configuration, the tokenizer's vocabulary and
    /// settings, and every tensor the encoder reads (name, shape, values). The same model read from another file
    /// format (safetensors, ONNX) has the same hash; a changed weight or vocabulary changes it. Computed on first use.
    /// </summary>
    public string ContentHash => _contentHash ??= ModelFingerprint.Compute(this, EncoderTensors(Config).Select(t => t.Name));

    /// <summary>The tensors the encoder reads, with their shapes.</summary>
    internal static IEnumerable<(string Name, int[] Shape)> EncoderTensors(BertConfig c)
    {
        yield return (BertTensorNames.WordEmbeddings, [c.VocabSize, c.HiddenSize]);
        yield return (BertTensorNames.PositionEmbeddings, [c.MaxPositionEmbeddings, c.HiddenSize]);
        yield return (BertTensorNames.TokenTypeEmbeddings, [c.TypeVocabSize, c.HiddenSize]);
        yield return (BertTensorNames.EmbeddingsLayerNormWeight, [c.HiddenSize]);
        yield return (BertTensorNames.EmbeddingsLayerNormBias, [c.HiddenSize]);
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
        foreach (var (name, shape) in EncoderTensors(Config))
        {
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

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}
