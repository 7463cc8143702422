using Bert.Gpu.Tokenization.Normalizers;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>normalizer</c>.</summary>
internal static class NormalizerReader
{
    private const string Supported = "none yet besides null";

    /// <summary>The normalizer, or null for none.</summary>
    public static INormalizer? Read(JsonAt? normalizer) => normalizer is { } n ? throw n.Unsupported("normalizer", Supported) : null;
}
