namespace Bert.Gpu.Scheduling;

/// <summary>
/// One caller's sequences: their pooled rows land in <see cref="Output"/> in the caller's order, whatever batches
/// they were computed in, and the task completes when the last one lands (or faults / cancels as a whole).
/// </summary>
internal sealed class EmbeddingRequest
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IProgress<long>? _tokensComputed;
    private int _remaining;
    private long _started; // Stopwatch timestamp of the first batch holding one of its sequences; 0 until then

    /// <param name="output">Where the rows go, <c>[sequences, width]</c>: the caller's own buffer.</param>
    /// <param name="sequences">How many rows to wait for.</param>
    /// <param name="cancellation">The caller's cancellation.</param>
    /// <param name="tokensComputed">Told each sequence's tokens as its row lands.</param>
    public EmbeddingRequest(Memory<float> output, int sequences, CancellationToken cancellation, IProgress<long>? tokensComputed = null)
    {
        _tokensComputed = tokensComputed;
        Output = output;
        _remaining = sequences;
        Cancellation = cancellation;
        if (sequences == 0)
            _completion.SetResult();
    }

    /// <summary>Pooled rows <c>[sequences, width]</c>.</summary>
    public Memory<float> Output { get; }

    public CancellationToken Cancellation { get; }

    public Task Task => _completion.Task;

    /// <summary>When the first forward pass holding one of its sequences began (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), or 0.</summary>
    public long Started => Volatile.Read(ref _started);

    /// <summary>Records that a forward pass holding one of its sequences begins now; the first call wins.</summary>
    public void MarkStarted() => Interlocked.CompareExchange(ref _started, System.Diagnostics.Stopwatch.GetTimestamp(), 0);

    /// <summary>True once the request has faulted or been cancelled: its other sequences need no computing.</summary>
    public bool IsAbandoned => _completion.Task.IsFaulted || _completion.Task.IsCanceled || Cancellation.IsCancellationRequested;

    /// <summary>Records that <paramref name="count"/> rows of <paramref name="tokens"/> tokens in all have been written to <see cref="Output"/>.</summary>
    public void Completed(int count, long tokens)
    {
        _tokensComputed?.Report(tokens);
        if (Interlocked.Add(ref _remaining, -count) == 0)
            _completion.TrySetResult();
    }

    public void Fail(Exception error) => _completion.TrySetException(error);

    public void Cancel() => _completion.TrySetCanceled(Cancellation);
}
