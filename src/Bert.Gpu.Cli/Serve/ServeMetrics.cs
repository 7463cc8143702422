using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// Prometheus metrics under TEI's <c>te_*</c> names: request counts by method (single / batch), successes, failures by
/// reason, the in-flight inputs, per-request durations (total, tokenization, queue, inference) and per forward pass
/// sequences, tokens and duration. Durations are in seconds, as Prometheus wants.
/// </summary>
internal sealed class ServeMetrics
{
    // Durations from 1 ms to about 65 s by factors of 2: a MiniLM text takes ~3 ms on the host, a full batch seconds.
    private static readonly double[] Seconds = [.. Enumerable.Range(0, 17).Select(i => 0.001 * Math.Pow(2, i))];
    // Counts from 1 to 32,768 by factors of 2: inputs, sequences and tokens of a batch.
    private static readonly double[] Counts = [.. Enumerable.Range(0, 16).Select(i => Math.Pow(2, i))];

    private readonly ConcurrentDictionary<(string Name, string Labels), long> _counters = new();
    private readonly ConcurrentDictionary<string, Histogram> _histograms = new();
    private readonly Func<int> _queueSize;

    /// <param name="queueSize">Inputs admitted and not yet answered (te_queue_size).</param>
    public ServeMetrics(Func<int> queueSize) => _queueSize = queueSize;

    /// <summary>The <c>--cache</c>'s counters, rendered as <c>te_cache_*</c> (TEI has no cache, so no name of its); null without one.</summary>
    public Caching.CacheCounters? Cache { get; set; }

    public void Count(string name, string labels) => _counters.AddOrUpdate((name, labels), 1, (_, n) => n + 1);

    public void Request(string method) => Count("te_request_count", $"method=\"{method}\"");

    public void Success(string method) => Count("te_request_success", $"method=\"{method}\"");

    public void Failure(string reason) => Count("te_request_failure", $"err=\"{reason}\"");

    /// <summary>Records a served request's durations and input length.</summary>
    public void Served(RequestTimings timings, TimeSpan total)
    {
        Observe("te_request_duration", total.TotalSeconds, Seconds);
        Observe("te_request_tokenization_duration", timings.Tokenization.TotalSeconds, Seconds);
        Observe("te_request_queue_duration", timings.Queue.TotalSeconds, Seconds);
        Observe("te_request_inference_duration", timings.Inference.TotalSeconds, Seconds);
        Observe("te_request_input_length", timings.Tokens, Counts);
    }

    /// <summary>For <see cref="EmbedderOptions.BatchComputed"/>: one forward pass of the shared queue.</summary>
    public void BatchComputed(int sequences, int tokens, TimeSpan duration)
    {
        Observe("te_batch_next_size", sequences, Counts);
        Observe("te_batch_next_tokens", tokens, Counts);
        Observe("te_batch_inference_duration", duration.TotalSeconds, Seconds);
    }

    private void Observe(string name, double value, double[] buckets) =>
        _histograms.GetOrAdd(name, static (_, b) => new Histogram(b), buckets).Observe(value);

    /// <summary>The text exposition format (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var group in _counters.OrderBy(c => c.Key.Name).ThenBy(c => c.Key.Labels).GroupBy(c => c.Key.Name))
        {
            text.Append(CultureInfo.InvariantCulture, $"# TYPE {group.Key} counter\n");
            foreach (var ((name, labels), value) in group)
                text.Append(CultureInfo.InvariantCulture, $"{name}{{{labels}}} {value}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"# TYPE te_queue_size gauge\nte_queue_size {_queueSize()}\n");
        if (Cache is { } cache)
        {
            text.Append(CultureInfo.InvariantCulture, $"# TYPE te_cache_hits counter\nte_cache_hits {cache.Hits}\n");
            text.Append(CultureInfo.InvariantCulture, $"# TYPE te_cache_misses counter\nte_cache_misses {cache.Misses}\n");
            text.Append(CultureInfo.InvariantCulture, $"# TYPE te_cache_evictions counter\nte_cache_evictions {cache.Evictions}\n");
            text.Append(CultureInfo.InvariantCulture, $"# TYPE te_cache_bytes gauge\nte_cache_bytes {cache.Bytes}\n");
        }
        foreach (var (name, histogram) in _histograms.OrderBy(h => h.Key))
            histogram.Render(name, text);
        return text.ToString();
    }

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _buckets = new long[bounds.Length];
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            lock (_buckets)
            {
                for (var i = 0; i < bounds.Length; i++)
                    if (value <= bounds[i])
                        _buckets[i]++;
                _count++;
                _sum += value;
            }
        }

        public void Render(string name, StringBuilder text)
        {
            lock (_buckets)
            {
                text.Append(CultureInfo.InvariantCulture, $"# TYPE {name} histogram\n");
                for (var i = 0; i < bounds.Length; i++)
                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bounds[i]:R}\"}} {_buckets[i]}\n");
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {_count}\n{name}_sum {_sum:R}\n{name}_count {_count}\n");
            }
        }
    }
}
