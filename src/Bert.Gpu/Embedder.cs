using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Scheduling;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu;

/// <summary>
/// Texts in, embeddings out: tokenization on worker threads, a shared batch scheduler feeding one encoder per
/// device, pooling and normalization. Thread-safe: concurrent callers share batches.
/// </summary>
public sealed class Embedder : IDisposable
{
    private readonly BertEncoder[] _encoders;
    private readonly BatchScheduler _scheduler;
    private readonly int _maxLength;
    private readonly int _stride; // windows only

    /// <summary>Uploads <paramref name="model"/> to <paramref name="backend"/>; the embedder does not own the backend.</summary>
    public Embedder(BertModel model, IComputeBackend backend, EmbedderOptions? options = null)
        : this(model, [backend], options)
    {
    }

    /// <summary>Uploads <paramref name="model"/> to every backend; all of them pull batches from one queue.</summary>
    public Embedder(BertModel model, IReadOnlyList<IComputeBackend> backends, EmbedderOptions? options = null)
    {
        if (backends.Count == 0)
            throw new ArgumentException("At least one backend is needed.", nameof(backends));
        Options = options ?? new EmbedderOptions();
        Model = model;
        _maxLength = Options.MaxLength ?? model.MaxLength;
        if (_maxLength < 2 || _maxLength > model.Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxLength {_maxLength} must be between 2 and the model's {model.Config.MaxPositionEmbeddings} positions.");
        if (Options.MaxBatchTokens < _maxLength)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxBatchTokens {Options.MaxBatchTokens} must be at least MaxLength {_maxLength}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxBatchSequences, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.LookAheadBatches, 1, nameof(options));
        if (Options.LongText == LongTextMode.Window)
        {
            // A window holds [CLS], [SEP] and at least one token of the text.
            if (_maxLength < 3)
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxLength {_maxLength} leaves no room for text in a window; windows need a max length of at least 3.");
            _stride = Options.Stride ?? Math.Max(1, (_maxLength - 2) / 2);
            if (_stride < 1 || _stride > _maxLength - 2)
                throw new ArgumentOutOfRangeException(nameof(options), $"Stride {_stride} must be between 1 and MaxLength − 2 = {_maxLength - 2}.");
        }

        Pooling = Options.Pooling ?? model.DefaultPooling;
        _encoders = backends.Select(b => new BertEncoder(model, b, Options.Precision)).ToArray();
        // Rows must not depend on which device of a multi-device run computed them.
        if (_encoders.Select(e => e.Precision).Distinct().Count() > 1)
        {
            foreach (var encoder in _encoders)
                encoder.Dispose();
            throw new ArgumentException($"The devices resolve precision {Options.Precision} differently ({string.Join(", ", _encoders.Select(e => $"{e.Backend.DeviceName}: {e.Precision}"))}); choose fp32 or fp16 for all of them.", nameof(options));
        }
        // Sized after the weights are on the devices, so the budget sees the memory that is really left.
        var batchTokens = Options.MaxBatchTokens ?? _encoders.Min(e => BatchBudget.For(e, _maxLength));
        MaxBatchTokens = batchTokens;
        foreach (var encoder in _encoders)
            encoder.Reserve(batchTokens);
        // Windows are combined on the host before normalizing, so the device normalizes only whole texts.
        var normalizeOnDevice = Options.Normalize && Options.LongText == LongTextMode.Truncate;
        _scheduler = new BatchScheduler(_encoders, Pooling, normalizeOnDevice,
            new SchedulerLimits(batchTokens, Options.MaxBatchSequences, (long)batchTokens * Options.LookAheadBatches), Options.BatchComputed);
    }

    /// <summary>The model being run.</summary>
    public BertModel Model { get; }

    /// <summary>The options in force.</summary>
    public EmbedderOptions Options { get; }

    /// <summary>The token budget of one forward pass in force (<see cref="EmbedderOptions.MaxBatchTokens"/> or sized from the devices).</summary>
    public int MaxBatchTokens { get; }

    /// <summary>The pooling in force.</summary>
    public PoolingMode Pooling { get; }

    /// <summary>The precision of the linear layers in force (<see cref="EmbedderOptions.Precision"/>, resolved by the devices).</summary>
    public Backends.Precision Precision => _encoders[0].Precision;

    /// <summary>Whether activations stay fp16 between kernels on every device (<see cref="BertEncoder.HalfActivationsBetweenKernels"/>).</summary>
    public bool HalfActivationsBetweenKernels => _encoders.All(e => e.HalfActivationsBetweenKernels);

    /// <summary>The longest sequence in force, special tokens included (<see cref="EmbedderOptions.MaxLength"/> or the model's).</summary>
    public int MaxLength => _maxLength;

    /// <summary>With <see cref="LongTextMode.Window"/>: tokens between window starts in force; null otherwise.</summary>
    public int? Stride => Options.LongText == LongTextMode.Window ? _stride : null;

    /// <summary>Length of every embedding.</summary>
    public int Dimension => Model.Config.HiddenSize;

    /// <summary>What computes, e.g. <c>host (2 threads, AVX2+FMA)</c>; devices joined by <c> + </c>.</summary>
    public string DeviceName => string.Join(" + ", _encoders.Select(e => e.Backend.DeviceName));

    /// <summary>Tokenizes <paramref name="texts"/> in parallel, truncating each to the maximum length.</summary>
    public TokenizedText[] Tokenize(IReadOnlyList<string> texts)
    {
        var result = new TokenizedText[texts.Count];
        Parallel.For(0, texts.Count, i => result[i] = Model.Tokenizer.Encode(texts[i], _maxLength));
        return result;
    }

    /// <summary>
    /// Embeds <paramref name="texts"/>: one row of <see cref="Dimension"/> floats per text, in order, flattened
    /// <c>[texts, Dimension]</c>, with the number of tokens that were encoded. Tokenization runs on the thread pool;
    /// concurrent calls share batches.
    /// </summary>
    /// <param name="texts">The texts.</param>
    /// <param name="cancellation">Drops the texts not yet computed; the task is then cancelled.</param>
    /// <param name="tokensComputed">Told the tokens of each sequence as it is computed (from a worker thread), for progress.</param>
    /// <exception cref="NonFiniteEmbeddingException">A text's embedding came out NaN or infinite.</exception>
    public async Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellation = default, IProgress<long>? tokensComputed = null)
    {
        var rows = new float[texts.Count * Dimension];
        var tokens = await EmbedIntoAsync(texts, rows, cancellation, tokensComputed).ConfigureAwait(false);
        return new EmbeddingResult(rows, tokens);
    }

    /// <summary>
    /// As <see cref="EmbedAsync(IReadOnlyList{string}, CancellationToken, IProgress{long})"/>, into the caller's
    /// <paramref name="destination"/> (<c>[texts, Dimension]</c>): a long job that reuses its buffers allocates no
    /// rows per call (1.5 MB per 1,024 MiniLM texts, which would otherwise pile up on the large-object heap between
    /// full collections). Returns the number of tokens encoded. <paramref name="destination"/> must not be touched
    /// until the task ends.
    /// </summary>
    /// <exception cref="NonFiniteEmbeddingException">A text's embedding came out NaN or infinite.</exception>
    public async Task<long> EmbedIntoAsync(IReadOnlyList<string> texts, Memory<float> destination, CancellationToken cancellation = default, IProgress<long>? tokensComputed = null)
    {
        if (destination.Length < (long)texts.Count * Dimension)
            throw new ArgumentException($"{destination.Length} floats cannot hold {texts.Count} rows of {Dimension}.", nameof(destination));
        var rows = destination[..(texts.Count * Dimension)];
        if (Options.LongText == LongTextMode.Truncate)
        {
            var sequences = await Task.Run(() => Tokenize(texts), cancellation).ConfigureAwait(false);
            await _scheduler.Submit(sequences, rows, cancellation, tokensComputed).ConfigureAwait(false);
            Check(rows.Span);
            return sequences.Sum(s => (long)s.Ids.Length);
        }
        var windows = await Task.Run(() => SlidingWindows.Split(Model.Tokenizer, texts, _maxLength, _stride, Pooling), cancellation).ConfigureAwait(false);
        var windowRows = await _scheduler.Submit(windows.Sequences, cancellation, tokensComputed).ConfigureAwait(false);
        windows.Combine(windowRows, Dimension, Options.Normalize, rows.Span);
        Check(rows.Span);
        return windows.Sequences.Sum(s => (long)s.Ids.Length);
    }

    /// <summary>
    /// As the text overload, for sequences already tokenized (special tokens included; e.g. token arrays a client sent):
    /// into <paramref name="destination"/> <c>[sequences, Dimension]</c>; returns the tokens encoded.
    /// </summary>
    /// <exception cref="ArgumentException">A sequence is empty, longer than the model's positions, or holds an id outside the vocabulary.</exception>
    /// <exception cref="NonFiniteEmbeddingException">A sequence's embedding came out NaN or infinite.</exception>
    public async Task<long> EmbedIntoAsync(IReadOnlyList<TokenizedText> sequences, Memory<float> destination, CancellationToken cancellation = default, IProgress<long>? tokensComputed = null)
    {
        if (destination.Length < (long)sequences.Count * Dimension)
            throw new ArgumentException($"{destination.Length} floats cannot hold {sequences.Count} rows of {Dimension}.", nameof(destination));
        var rows = destination[..(sequences.Count * Dimension)];
        await _scheduler.Submit(sequences, rows, cancellation, tokensComputed).ConfigureAwait(false);
        Check(rows.Span);
        return sequences.Sum(s => (long)s.Ids.Length);
    }

    /// <summary>
    /// As <see cref="EmbedIntoAsync(IReadOnlyList{TokenizedText}, Memory{float}, CancellationToken, IProgress{long})"/>,
    /// telling how long the sequences waited in the shared queue and how long their forward passes took: a server
    /// reports both per request. Sequences of concurrent calls share batches whatever each caller does with its rows
    /// afterwards (with <see cref="EmbedderOptions.Normalize"/> false, each caller can normalize or cut its own).
    /// </summary>
    /// <exception cref="ArgumentException">A sequence is empty, longer than the model's positions, or holds an id outside the vocabulary.</exception>
    /// <exception cref="NonFiniteEmbeddingException">A sequence's embedding came out NaN or infinite.</exception>
    public async Task<QueueTimings> EmbedTimedAsync(IReadOnlyList<TokenizedText> sequences, Memory<float> destination, CancellationToken cancellation = default)
    {
        if (destination.Length < (long)sequences.Count * Dimension)
            throw new ArgumentException($"{destination.Length} floats cannot hold {sequences.Count} rows of {Dimension}.", nameof(destination));
        var rows = destination[..(sequences.Count * Dimension)];
        var queued = System.Diagnostics.Stopwatch.GetTimestamp();
        var request = _scheduler.Queue(sequences, rows, cancellation);
        await request.Task.ConfigureAwait(false);
        var done = System.Diagnostics.Stopwatch.GetTimestamp();
        Check(rows.Span);
        var started = request.Started == 0 ? done : request.Started; // no sequences: no pass
        return new QueueTimings(System.Diagnostics.Stopwatch.GetElapsedTime(queued, started),
            System.Diagnostics.Stopwatch.GetElapsedTime(started, done), sequences.Sum(s => (long)s.Ids.Length));
    }

    /// <summary>A NaN or infinite value (an overflow in the encoder) is an error naming the text, never a silent row.</summary>
    private void Check(ReadOnlySpan<float> rows)
    {
        if (FiniteCheck.FirstNonFinite(rows) is { } bad)
            throw new NonFiniteEmbeddingException(bad / Dimension, rows[bad]);
    }

    /// <summary>Embeds tokenized sequences (already framed and truncated) into rows <c>[sequences, Dimension]</c>, in order.</summary>
    /// <exception cref="NonFiniteEmbeddingException">A row came out NaN or infinite.</exception>
    public async Task<float[]> EmbedAsync(IReadOnlyList<TokenizedText> sequences, CancellationToken cancellation = default)
    {
        var rows = await _scheduler.Submit(sequences, cancellation).ConfigureAwait(false);
        Check(rows);
        return rows;
    }

    /// <summary>Embeds <paramref name="texts"/>; one array of <see cref="Dimension"/> floats per text, in order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var flat = EmbedAsync(texts).GetAwaiter().GetResult().Rows;
        return Enumerable.Range(0, texts.Count).Select(i => flat.AsSpan(i * Dimension, Dimension).ToArray()).ToArray();
    }

    /// <summary>Finishes queued work and releases the device copies of the model.</summary>
    public void Dispose()
    {
        _scheduler.Dispose();
        foreach (var encoder in _encoders)
            encoder.Dispose();
    }
}
