namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>HF's SplitDelimiterBehavior: what happens to the delimiters a pre-tokenizer splits on.</summary>
internal enum SplitBehavior
{
    /// <summary>Dropped.</summary>
    Removed,

    /// <summary>Each one a split of its own.</summary>
    Isolated,

    /// <summary>Joined to the split before it.</summary>
    MergedWithPrevious,

    /// <summary>Joined to the split after it.</summary>
    MergedWithNext,

    /// <summary>Adjacent delimiters joined into one split.</summary>
    Contiguous,
}
