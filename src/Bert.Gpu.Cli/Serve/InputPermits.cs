namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// <c>--max-concurrent-requests</c>, counted per input as TEI counts its permits: a request of 8 texts takes 8. A
/// request that does not fit is refused at once (429) rather than queued, so a client learns to back off while the
/// queue stays bounded.
/// </summary>
internal sealed class InputPermits(int limit)
{
    private int _inFlight;

    /// <summary>Inputs admitted and not yet answered (TEI's <c>te_queue_size</c>).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most inputs in flight.</summary>
    public int Limit => limit;

    /// <summary>Takes <paramref name="inputs"/> permits, released when the result is disposed.</summary>
    /// <exception cref="ApiError">429: they would exceed the limit.</exception>
    public IDisposable Acquire(int inputs)
    {
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            if (current + inputs > limit)
                throw ApiError.Overloaded();
            if (Interlocked.CompareExchange(ref _inFlight, current + inputs, current) == current)
                return new Release(this, inputs);
        }
    }

    private sealed class Release(InputPermits owner, int inputs) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                Interlocked.Add(ref owner._inFlight, -inputs);
        }
    }
}
