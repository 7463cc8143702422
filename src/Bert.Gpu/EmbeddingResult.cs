namespace Bert.Gpu;

/// <summary>The embeddings of a list of texts.</summary>
/// <param name="Rows">One row per text, flattened <c>[texts, dimension]</c>, in input order.</param>
/// <param name="Tokens">Tokens encoded, special tokens included (with sliding windows, every window's).</param>
public sealed record EmbeddingResult(float[] Rows, long Tokens);
