using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Weights;

/// <summary>Builds a <see cref="BertModel"/> so that its shape errors name the weights file rather than the model's display name.</summary>
internal static class BertModelFactory
{
    /// <summary>Creates the model; a missing or misshapen tensor is reported against <paramref name="weightsSource"/>.</summary>
    /// <param name="weightsSource">File the tensors came from.</param>
    /// <param name="name">Display name of the model.</param>
    /// <param name="config">Shape of the encoder, already validated against its own source.</param>
    /// <param name="tensors">Tensors under canonical names.</param>
    /// <param name="tokenizer">Tokenizer matching the vocabulary.</param>
    /// <param name="pooling">Pooling the model was trained with.</param>
    /// <param name="maxLength">Default maximum sequence length.</param>
    /// <param name="hint">What to do about a missing tensor, appended to the message.</param>
    /// <param name="quantized">Linear units stored in int8, if any.</param>
    /// <param name="heads">What the config says about the task head, if anything.</param>
    public static BertModel Create(string weightsSource, string name, BertConfig config, IReadOnlyDictionary<string, FloatTensor> tensors,
        ITokenizer tokenizer, PoolingMode pooling, int maxLength, string? hint = null, IReadOnlyDictionary<string, QuantizedLinear>? quantized = null,
        Heads.HeadSettings? heads = null)
    {
        try
        {
            return new BertModel(name, config, tensors, tokenizer, pooling, maxLength, quantized, heads);
        }
        catch (ModelFormatException e) when (e.Source == name)
        {
            throw new ModelFormatException(weightsSource, hint is null ? e.Problem : $"{e.Problem} {hint}", e);
        }
    }
}
