namespace Bert.Gpu.Scheduling;

/// <summary>Where one call's time went in the shared batch queue (a server's <c>x-queue-time</c> / <c>x-inference-time</c>).</summary>
/// <param name="Queue">From queueing until the first forward pass holding one of its sequences began.</param>
/// <param name="Inference">From then until its last row landed (other callers' sequences share those passes).</param>
/// <param name="Tokens">Tokens encoded.</param>
public readonly record struct QueueTimings(TimeSpan Queue, TimeSpan Inference, long Tokens);
