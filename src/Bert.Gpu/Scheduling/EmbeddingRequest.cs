namespace Bert.Gpu.Scheduling;

/// <summary>
/// One caller's sequences: their pooled rows land in <see cref="Output"/> in the caller's order, whatever batches
/// they were computed in, and the task completes when the last one lands (or faults / cancels as a whole).
/// </summary>
internal sealed class EmbeddingRequest
{
    private readonly TaskCompletionSource<float[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IProgress<long>? _tokensComputed;
    private int _remaining;

    public EmbeddingRequest(int sequences, int width, CancellationToken cancellation, IProgress<long>? tokensComputed = null)
    {
        _tokensComputed = tokensComputed;
        Output = new float[sequences * width];
        _remaining = sequences;
        Cancellation = cancellation;
        if (sequences == 0)
            _completion.SetResult(Output);
    }

    /// <summary>Pooled rows <c>[sequences, width]</c>.</summary>
    public float[] Output { get; }

    public CancellationToken Cancellation { get; }

    public Task<float[]> Task => _completion.Task;

    /// <summary>True once the request has faulted or been cancelled: its other sequences need no computing.</summary>
    public bool IsAbandoned => _completion.Task.IsFaulted || _completion.Task.IsCanceled || Cancellation.IsCancellationRequested;

    /// <summary>Records that <paramref name="count"/> rows of <paramref name="tokens"/> tokens in all have been written to <see cref="Output"/>.</summary>
    public void Completed(int count, long tokens)
    {
        _tokensComputed?.Report(tokens);
        if (Interlocked.Add(ref _remaining, -count) == 0)
            _completion.TrySetResult(Output);
    }

    public void Fail(Exception error) => _completion.TrySetException(error);

    public void Cancel() => _completion.TrySetCanceled(Cancellation);
}
