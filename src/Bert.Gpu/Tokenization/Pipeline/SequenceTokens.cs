namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>The tokens of one text of an encoding before the post-processor adds its special tokens.</summary>
internal sealed class SequenceTokens
{
    /// <summary>Vocabulary ids.</summary>
    public List<int> Ids { get; } = [];

    /// <summary>Original spans, one per id.</summary>
    public List<TokenSpan> Offsets { get; } = [];

    /// <summary>Empties both lists.</summary>
    public void Clear()
    {
        Ids.Clear();
        Offsets.Clear();
    }
}
