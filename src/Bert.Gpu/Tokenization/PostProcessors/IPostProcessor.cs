using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>One of HF's post-processors: frames the (truncated) token sequences with special tokens and sets type ids.</summary>
internal interface IPostProcessor
{
    /// <summary>How many tokens <see cref="Build"/> adds to one text (<paramref name="pair"/> false) or a pair.</summary>
    int AddedTokens(bool pair);

    /// <summary>HF's ByteLevel offset trimming, if this processor applies it before framing.</summary>
    OffsetTrimming? Trimming { get; }

    /// <summary>The id that starts a single encoding (CLS or BOS), if the processor adds one.</summary>
    int? FirstId { get; }

    /// <summary>The id that ends a single encoding (SEP or EOS), if the processor adds one.</summary>
    int? LastId { get; }

    /// <summary>The encoding of the first <paramref name="firstCount"/> tokens of <paramref name="first"/> and, for a pair, of <paramref name="second"/>.</summary>
    TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount);
}
