namespace Bert.Gpu.Cli.Serve;

/// <summary>Where a request's time went, for TEI's <c>x-*-time</c> headers and the <c>te_request_*_duration</c> histograms.</summary>
/// <param name="Tokenization">Tokenizing its texts.</param>
/// <param name="Queue">Waiting for the encoder (the shared batch queue, or the task encoder's turn).</param>
/// <param name="Inference">Its forward passes, shared with other requests' sequences.</param>
/// <param name="Tokens">Tokens encoded.</param>
/// <param name="Characters">Characters sent.</param>
internal readonly record struct RequestTimings(TimeSpan Tokenization, TimeSpan Queue, TimeSpan Inference, long Tokens, int Characters);
