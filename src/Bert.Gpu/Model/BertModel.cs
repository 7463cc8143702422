using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Model;

/// <summary>
/// A BERT encoder in host memory: its configuration, its fp32 tensors under canonical names
/// (<see cref="BertTensorNames"/>), its tokenizer and how its embeddings are meant to be pooled.
/// </summary>
public sealed class BertModel
{
    private readonly IReadOnlyDictionary<string, FloatTensor> _tensors;

    /// <summary>Creates the model and checks that every tensor the encoder needs is present with the right shape.</summary>
    /// <param name="name">Built-in name or path the model came from, used in messages.</param>
    /// <param name="config">Shape of the encoder.</param>
    /// <param name="tensors">Tensors under canonical names; extra tensors (pooler, heads) are kept but unused.</param>
    /// <param name="tokenizer">Tokenizer matching the vocabulary.</param>
    /// <param name="defaultPooling">Pooling the model was trained with.</param>
    /// <param name="maxLength">Default maximum sequence length in tokens, special tokens included.</param>
    /// <exception cref="ModelFormatException">A tensor is missing or has the wrong shape.</exception>
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
        CheckShapes();
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

    private void CheckShapes()
    {
        var c = Config;
        Expect(BertTensorNames.WordEmbeddings, c.VocabSize, c.HiddenSize);
        Expect(BertTensorNames.PositionEmbeddings, c.MaxPositionEmbeddings, c.HiddenSize);
        Expect(BertTensorNames.TokenTypeEmbeddings, c.TypeVocabSize, c.HiddenSize);
        Expect(BertTensorNames.EmbeddingsLayerNormWeight, c.HiddenSize);
        Expect(BertTensorNames.EmbeddingsLayerNormBias, c.HiddenSize);
        for (var layer = 0; layer < c.NumLayers; layer++)
        {
            var p = BertTensorNames.Layer(layer);
            foreach (var part in new[] { BertTensorNames.LayerPart.Query, BertTensorNames.LayerPart.Key, BertTensorNames.LayerPart.Value, BertTensorNames.LayerPart.AttentionOutput })
            {
                Expect(p + part + ".weight", c.HiddenSize, c.HiddenSize);
                Expect(p + part + ".bias", c.HiddenSize);
            }
            Expect(p + BertTensorNames.LayerPart.Intermediate + ".weight", c.IntermediateSize, c.HiddenSize);
            Expect(p + BertTensorNames.LayerPart.Intermediate + ".bias", c.IntermediateSize);
            Expect(p + BertTensorNames.LayerPart.Output + ".weight", c.HiddenSize, c.IntermediateSize);
            Expect(p + BertTensorNames.LayerPart.Output + ".bias", c.HiddenSize);
            foreach (var ln in new[] { BertTensorNames.LayerPart.AttentionLayerNorm, BertTensorNames.LayerPart.OutputLayerNorm })
            {
                Expect(p + ln + ".weight", c.HiddenSize);
                Expect(p + ln + ".bias", c.HiddenSize);
            }
        }
        if (Tokenizer.VocabSize > c.VocabSize)
            throw new ModelFormatException(Name, $"the vocabulary has {Tokenizer.VocabSize} tokens but the word-embedding table only {c.VocabSize} rows.");
    }

    private void Expect(string name, params int[] shape)
    {
        var t = this[name];
        if (!t.HasShape(shape))
            throw new ModelFormatException(Name, $"tensor '{name}' has shape {t.ShapeText}, expected [{string.Join(",", shape)}].");
    }
}
