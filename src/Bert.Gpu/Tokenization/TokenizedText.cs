namespace Bert.Gpu.Tokenization;

/// <summary>Token ids and token-type ids of one input, special tokens included.</summary>
/// <param name="Ids">Vocabulary ids, starting with the tokenizer's first special token ([CLS], &lt;s&gt;).</param>
/// <param name="TypeIds">Segment ids: for BERT 0 for the first text (and its [CLS]/[SEP]) and 1 for the second of a pair; all 0 for RoBERTa.</param>
public sealed record TokenizedText(int[] Ids, int[] TypeIds)
{
    /// <summary>
    /// Where each token came from, one entry per id, or null when the encoding was built without them (a sliding
    /// window, a test sequence). In a pair, a token's span indexes the text it came from.
    /// </summary>
    public TokenSpan[]? Offsets { get; init; }
}
