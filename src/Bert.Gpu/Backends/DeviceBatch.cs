namespace Bert.Gpu.Backends;

/// <summary>
/// A packed, padding-free batch uploaded to a backend: <see cref="TotalTokens"/> rows, sequence <c>s</c> occupying
/// rows <c>seqStarts[s] .. seqStarts[s+1]</c>.
/// </summary>
/// <param name="InputIds">int32 <c>[TotalTokens]</c> vocabulary ids.</param>
/// <param name="TypeIds">int32 <c>[TotalTokens]</c> token-type ids.</param>
/// <param name="PositionIds">int32 <c>[TotalTokens]</c> position of each token within its sequence.</param>
/// <param name="SeqStarts">int32 <c>[Sequences + 1]</c> first row of each sequence, then <see cref="TotalTokens"/>.</param>
/// <param name="Sequences">Number of sequences.</param>
/// <param name="TotalTokens">Number of rows.</param>
/// <param name="MaxSequenceLength">Length of the longest sequence.</param>
public sealed record DeviceBatch(
    IDeviceBuffer InputIds,
    IDeviceBuffer TypeIds,
    IDeviceBuffer PositionIds,
    IDeviceBuffer SeqStarts,
    int Sequences,
    int TotalTokens,
    int MaxSequenceLength) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        TypeIds.Dispose();
        PositionIds.Dispose();
        SeqStarts.Dispose();
    }
}
