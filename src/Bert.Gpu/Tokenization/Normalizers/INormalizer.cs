using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>One of HF's normalizers: rewrites a piece of text in place, keeping every code unit's original span.</summary>
internal interface INormalizer
{
    /// <summary>Normalizes <paramref name="text"/>.</summary>
    void Normalize(NormalizedText text);
}
