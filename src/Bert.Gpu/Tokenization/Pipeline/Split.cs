namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>One split of HF's PreTokenizedString: a range of a <see cref="SplitText"/>, and the added token it is, if any.</summary>
/// <param name="Start">First code unit in the owning <see cref="SplitText"/>.</param>
/// <param name="Length">Number of code units.</param>
/// <param name="OriginalShift">HF's <c>offsets_original().0</c> of the split: where its text starts in the original string.</param>
/// <param name="TokenId">The added token this split was matched as, or -1 for text the pre-tokenizer and model still see.</param>
internal readonly record struct Split(int Start, int Length, int OriginalShift, int TokenId)
{
    /// <summary>Whether the split is an added token, which later steps pass through untouched.</summary>
    public bool IsToken => TokenId >= 0;
}
