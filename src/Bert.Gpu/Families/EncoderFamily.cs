using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>
/// One family's rules, and nothing else: how its <c>config.json</c> reads into a <see cref="BertConfig"/>, and how its
/// stored tensor names map to the canonical ones (<see cref="BertTensorNames"/>, BERT's without a prefix). The encoder,
/// the backends and the heads never ask which family a model is; the config's fields say what differs.
/// </summary>
internal abstract class EncoderFamily
{
    /// <summary>The <c>model_type</c> values this family reads.</summary>
    public abstract IReadOnlyList<string> ModelTypes { get; }

    /// <summary>The configuration; HuggingFace's defaults for the keys a config may leave out.</summary>
    public abstract BertConfig ReadConfig(ConfigJson json);

    /// <summary>
    /// The canonical name of a stored tensor: the family's prefix (<c>bert.</c>, <c>roberta.</c>…) dropped and its own
    /// module names mapped to BERT's. A name the family does not know (a task head's) comes back without the prefix only.
    /// <paramref name="json"/> is the config the model was read from, for names that depend on it (ALBERT's groups).
    /// </summary>
    public abstract string Canonical(string stored, ConfigJson json);

    /// <summary>Adds tensors the family implies but does not store (DistilBERT's absent token types); by default none.</summary>
    public virtual void Complete(IDictionary<string, FloatTensor> tensors, BertConfig config)
    {
    }

    /// <summary><paramref name="stored"/> without <paramref name="prefix"/>, if it starts with it.</summary>
    protected static string WithoutPrefix(string stored, string prefix) =>
        stored.StartsWith(prefix, StringComparison.Ordinal) ? stored[prefix.Length..] : stored;

    /// <summary>TensorFlow-converted checkpoints name LayerNorm's scale and shift <c>gamma</c> / <c>beta</c>.</summary>
    protected static string ModernLayerNormNames(string name) =>
        name.EndsWith("LayerNorm.gamma", StringComparison.Ordinal) ? name[..^"gamma".Length] + "weight"
        : name.EndsWith("LayerNorm.beta", StringComparison.Ordinal) ? name[..^"beta".Length] + "bias"
        : name;
}
