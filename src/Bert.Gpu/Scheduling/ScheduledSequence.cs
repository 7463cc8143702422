using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Scheduling;

/// <summary>A tokenized sequence waiting for a batch, and where its pooled row goes.</summary>
/// <param name="Tokens">The sequence.</param>
/// <param name="Owner">The request it belongs to.</param>
/// <param name="Row">Its row in <see cref="EmbeddingRequest.Output"/>.</param>
internal sealed record ScheduledSequence(TokenizedText Tokens, EmbeddingRequest Owner, int Row)
{
    public int Length => Tokens.Ids.Length;
}
