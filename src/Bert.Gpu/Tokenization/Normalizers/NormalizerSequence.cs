using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's normalizer Sequence: each member in turn.</summary>
internal sealed class NormalizerSequence(IReadOnlyList<INormalizer> members) : INormalizer
{
    public void Normalize(NormalizedText text)
    {
        foreach (var member in members) member.Normalize(text);
    }
}
