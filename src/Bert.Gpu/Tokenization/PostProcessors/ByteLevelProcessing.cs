using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>HF's ByteLevel post-processor: no special tokens, only offset trimming; type ids 0 and 1 by text.</summary>
internal sealed class ByteLevelProcessing(OffsetTrimming? trimming) : IPostProcessor
{
    public OffsetTrimming? Trimming => trimming;

    public int? FirstId => null;

    public int? LastId => null;

    public int AddedTokens(bool pair) => 0;

    public TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount) =>
        NoProcessing.Concatenate(first, firstCount, second, secondCount);
}
