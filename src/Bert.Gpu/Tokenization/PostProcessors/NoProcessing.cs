using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>What HF does with no post-processor: the texts' tokens back to back, type id 0 for the first and 1 for the second.</summary>
internal sealed class NoProcessing : IPostProcessor
{
    public static NoProcessing Instance { get; } = new();

    public OffsetTrimming? Trimming => null;

    public int? FirstId => null;

    public int? LastId => null;

    public int AddedTokens(bool pair) => 0;

    public TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount) =>
        Concatenate(first, firstCount, second, secondCount);

    /// <summary>The two sequences back to back with type ids 0 and 1.</summary>
    public static TokenizedText Concatenate(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount)
    {
        var writer = new EncodingWriter(firstCount + (second is null ? 0 : secondCount));
        writer.Tokens(first, firstCount, 0);
        if (second is not null) writer.Tokens(second, secondCount, 1);
        return writer.Result();
    }
}
