namespace Bert.Gpu.Tokenization;

/// <summary>Token ids and token-type ids of one input, special tokens included.</summary>
/// <param name="Ids">Vocabulary ids, starting with [CLS].</param>
/// <param name="TypeIds">0 for the first text (and its [CLS]/[SEP]), 1 for the second of a pair.</param>
public sealed record TokenizedText(int[] Ids, int[] TypeIds);
