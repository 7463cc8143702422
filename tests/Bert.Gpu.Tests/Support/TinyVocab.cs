namespace Bert.Gpu.Tests.Support;

/// <summary>A made-up vocabulary for tiny test models: BERT's special tokens first, then <c>tok5, tok6, …</c>.</summary>
internal static class TinyVocab
{
    public static IEnumerable<string> Tokens(int size) =>
        new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(Enumerable.Range(5, size - 5).Select(i => $"tok{i}"));
}
