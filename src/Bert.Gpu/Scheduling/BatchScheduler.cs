using System.Threading.Channels;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Scheduling;

/// <summary>
/// KV-free batching: an encoder request is done after one forward pass, so the scheduler only has to cut whatever
/// sequences are waiting into good packed batches. Callers' sequences queue up; one batcher takes a look-ahead window
/// of them in arrival order, sorts it longest first (similar lengths go together, which evens out the attention
/// work of a batch), cuts it into batches under the token and sequence budgets, and stages each packed batch while
/// the encoders are busy with the previous ones. Every encoder (one per device) pulls from the same staged queue.
/// Rows go back to each caller in the caller's order. A failing batch faults only the requests that had
/// sequences in it; cancelled requests' waiting sequences are dropped.
/// </summary>
internal sealed class BatchScheduler : IDisposable
{
    private readonly Channel<ScheduledSequence> _waiting = Channel.CreateUnbounded<ScheduledSequence>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<ScheduledBatch> _staged;
    private readonly SchedulerLimits _limits;
    private readonly int _width;
    private readonly Task _batcher;
    private readonly Task[] _workers;
    private readonly Action<int, int, TimeSpan>? _batchComputed;
    private int _batchesFormed;
    private int _waitingCount; // the single-reader channel cannot count its items

    /// <param name="encoders">One encoder per device; each gets its own worker.</param>
    /// <param name="pooling">Pooling of every sequence.</param>
    /// <param name="normalize">L2-normalize pooled rows on the device.</param>
    /// <param name="limits">Batch budgets.</param>
    /// <param name="batchComputed">Told each forward pass's sequences, tokens and duration, from the worker's thread (metrics).</param>
    public BatchScheduler(IReadOnlyList<BertEncoder> encoders, PoolingMode pooling, bool normalize, SchedulerLimits limits, Action<int, int, TimeSpan>? batchComputed = null)
    {
        _batchComputed = batchComputed;
        if (encoders.Count == 0)
            throw new ArgumentException("At least one encoder is needed.", nameof(encoders));
        _limits = limits;
        _width = encoders[0].HiddenSize;
        // One staged batch per encoder: each device finds its next batch ready, and staging stops there.
        _staged = Channel.CreateBounded<ScheduledBatch>(new BoundedChannelOptions(encoders.Count) { SingleWriter = true });
        _batcher = Task.Run(RunBatcherAsync);
        _workers = encoders.Select(e => Task.Run(() => RunWorkerAsync(e, pooling, normalize))).ToArray();
    }

    /// <summary>
    /// Batches the batcher has cut so far, counted before each is staged. Once it moves, the batcher has finished
    /// taking that window from the waiting queue: tests read it to bring the pipeline into a known state. Nothing in
    /// the product depends on it.
    /// </summary>
    internal int BatchesFormed => Volatile.Read(ref _batchesFormed);

    /// <summary>Sequences submitted and not yet taken into a window (for tests: checks that a held queue held).</summary>
    internal int Waiting => Volatile.Read(ref _waitingCount);

    /// <summary>Queues <paramref name="sequences"/>; the task yields their pooled rows <c>[count, width]</c> in order.</summary>
    /// <param name="sequences">The sequences, framed and truncated.</param>
    /// <param name="cancellation">Drops the sequences not yet computed.</param>
    /// <param name="tokensComputed">Told each sequence's token count as its row lands, from the worker's thread.</param>
    public Task<float[]> Submit(IReadOnlyList<TokenizedText> sequences, CancellationToken cancellation, IProgress<long>? tokensComputed = null)
    {
        var rows = new float[sequences.Count * _width];
        var done = Submit(sequences, rows, cancellation, tokensComputed); // bad sequences throw here, not in the task
        return RowsWhen(done, rows);

        static async Task<float[]> RowsWhen(Task done, float[] rows)
        {
            await done.ConfigureAwait(false);
            return rows;
        }
    }

    /// <summary>
    /// Queues <paramref name="sequences"/>, their pooled rows to land in <paramref name="destination"/>
    /// (<c>[count, width]</c>, in order; a caller's reused buffer, so a long job allocates no rows per call); the task
    /// completes when the last row has landed.
    /// </summary>
    /// <param name="sequences">The sequences, framed and truncated.</param>
    /// <param name="destination">At least <c>count × width</c> floats; written by the workers until the task ends.</param>
    /// <param name="cancellation">Drops the sequences not yet computed.</param>
    /// <param name="tokensComputed">Told each sequence's token count as its row lands, from the worker's thread.</param>
    public Task Submit(IReadOnlyList<TokenizedText> sequences, Memory<float> destination, CancellationToken cancellation, IProgress<long>? tokensComputed = null) =>
        Queue(sequences, destination, cancellation, tokensComputed).Task;

    /// <summary>
    /// As <see cref="Submit(IReadOnlyList{TokenizedText}, Memory{float}, CancellationToken, IProgress{long})"/>, returning
    /// the request itself: its <see cref="EmbeddingRequest.Started"/> tells the caller how long it waited in the queue.
    /// </summary>
    public EmbeddingRequest Queue(IReadOnlyList<TokenizedText> sequences, Memory<float> destination, CancellationToken cancellation, IProgress<long>? tokensComputed = null)
    {
        if (destination.Length < (long)sequences.Count * _width)
            throw new ArgumentException($"{destination.Length} floats cannot hold {sequences.Count} rows of {_width}.", nameof(destination));
        for (var i = 0; i < sequences.Count; i++)
        {
            var length = sequences[i].Ids.Length;
            if (length == 0 || length > _limits.MaxBatchTokens || sequences[i].TypeIds.Length != length)
                throw new ArgumentException($"Sequence {i} has {length} tokens; each needs 1 to {_limits.MaxBatchTokens} tokens and as many type ids.", nameof(sequences));
        }
        var request = new EmbeddingRequest(destination, sequences.Count, cancellation, tokensComputed);
        if (cancellation.IsCancellationRequested)
        {
            request.Cancel();
            return request;
        }
        if (cancellation.CanBeCanceled)
        {
            var registration = cancellation.Register(request.Cancel);
            request.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        for (var i = 0; i < sequences.Count; i++)
        {
            Interlocked.Increment(ref _waitingCount);
            if (!_waiting.Writer.TryWrite(new ScheduledSequence(sequences[i], request, i)))
            {
                Interlocked.Decrement(ref _waitingCount);
                throw new ObjectDisposedException(nameof(BatchScheduler), "The scheduler has been shut down.");
            }
        }
        return request;
    }

    private async Task RunBatcherAsync()
    {
        var window = new List<ScheduledSequence>();
        try
        {
            while (await _waiting.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Take what is waiting now, up to the look-ahead budget; never wait for more (that would add latency).
                var windowTokens = 0L;
                while (windowTokens < _limits.LookAheadTokens && _waiting.Reader.TryRead(out var sequence))
                {
                    Interlocked.Decrement(ref _waitingCount);
                    if (sequence.Owner.IsAbandoned)
                    {
                        sequence.Owner.Cancel();
                        continue;
                    }
                    window.Add(sequence);
                    windowTokens += sequence.Length;
                }
                window.Sort((a, b) => b.Length.CompareTo(a.Length));
                foreach (var batch in Cut(window))
                {
                    Interlocked.Increment(ref _batchesFormed);
                    await _staged.Writer.WriteAsync(Stage(batch)).ConfigureAwait(false);
                }
                window.Clear();
            }
        }
        finally
        {
            _staged.Writer.Complete();
        }
    }

    /// <summary>Consecutive runs of the sorted window under the token and sequence budgets.</summary>
    private IEnumerable<ScheduledSequence[]> Cut(List<ScheduledSequence> sorted)
    {
        var start = 0;
        while (start < sorted.Count)
        {
            var end = start;
            var tokens = 0;
            while (end < sorted.Count && end - start < _limits.MaxBatchSequences && tokens + sorted[end].Length <= _limits.MaxBatchTokens)
                tokens += sorted[end++].Length;
            yield return sorted.GetRange(start, end - start).ToArray();
            start = end;
        }
    }

    private static ScheduledBatch Stage(ScheduledSequence[] sequences) =>
        new(new PackedBatch(sequences.Select(s => s.Tokens).ToArray()), sequences);

    private async Task RunWorkerAsync(BertEncoder encoder, PoolingMode pooling, bool normalize)
    {
        var rows = new float[_limits.MaxBatchSequences * _width];
        await foreach (var staged in _staged.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (staged.Sequences.All(s => s.Owner.IsAbandoned))
            {
                foreach (var s in staged.Sequences)
                    s.Owner.Cancel();
                continue;
            }
            foreach (var s in staged.Sequences)
                s.Owner.MarkStarted();
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                encoder.Embed(staged.Batch, pooling, normalize, rows);
            }
            catch (Exception error)
            {
                foreach (var owner in staged.Sequences.Select(s => s.Owner).Distinct())
                    owner.Fail(error);
                continue;
            }
            _batchComputed?.Invoke(staged.Batch.Sequences, staged.Batch.TotalTokens, System.Diagnostics.Stopwatch.GetElapsedTime(start));
            for (var i = 0; i < staged.Sequences.Length; i++)
            {
                var s = staged.Sequences[i];
                rows.AsSpan(i * _width, _width).CopyTo(s.Owner.Output.Span.Slice(s.Row * _width, _width));
                s.Owner.Completed(1, s.Length);
            }
        }
    }

    /// <summary>Finishes every queued sequence, then stops the batcher and the workers.</summary>
    public void Dispose()
    {
        _waiting.Writer.TryComplete();
        Task.WaitAll([_batcher, .. _workers]);
    }
}
