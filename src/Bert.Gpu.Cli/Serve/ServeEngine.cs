using System.Diagnostics;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli.Caching;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Encoder;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;
using Bert.Gpu.Scheduling;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// The model behind the routes. Embeddings of every request go into the one shared queue of an <see cref="Embedder"/>
/// built without normalization, so one batch mixes requests whatever their options: truncation is applied per
/// request at tokenization, <c>dimensions</c> and <c>normalize</c> per request on the host after pooling (with the host
/// backend's own arithmetic, <see cref="EmbeddingRows"/>). /predict, /rerank and /embed_all need other outputs than
/// pooled rows: they run on a second encoder of the same model, one request at a time.
/// </summary>
internal sealed class ServeEngine : IDisposable
{
    private readonly IReadOnlyList<IComputeBackend> _backends;
    private readonly Embedder _embedder;
    private readonly SemaphoreSlim _taskTurn = new(1, 1);
    private readonly string _device;
    private readonly int _threads;
    private (IComputeBackend Backend, BertEncoder Encoder)? _task;
    private readonly EmbeddingCache? _cache;

    private ServeEngine(BertModel model, IReadOnlyList<IComputeBackend> backends, ServeSettings settings, ServeMetrics metrics)
    {
        Model = model;
        _backends = backends;
        (_device, _threads) = (settings.Device, settings.Threads);
        if (settings.MaxBatchTokens < model.MaxLength)
            throw new CliException($"--max-batch-tokens {settings.MaxBatchTokens}: below model '{model.Name}''s max length of {model.MaxLength} tokens; allow at least that many.");
        try
        {
            _embedder = new Embedder(model, backends, new EmbedderOptions
            {
                Normalize = false,
                MaxBatchTokens = settings.MaxBatchTokens,
                MaxBatchSequences = settings.MaxBatchRequests,
                BatchComputed = metrics.BatchComputed,
                Precision = settings.Precision,
            });
        }
        catch (NotSupportedException e)
        {
            throw CommonOptions.PrecisionUnsupported(settings.Precision, e);
        }
        Tokenizer = new RequestTokenizer(model.Tokenizer, model.MaxLength);
        Classifier = model.Heads.Kind == HeadKind.SequenceClassification ? model.Head(HeadKind.SequenceClassification) : null;
        // Rows are cached raw (before a request's dimensions and normalize) by the token ids they were computed from,
        // which already carry the request's truncation: one cache entry serves every option a request can choose.
        _cache = settings.Cache is null ? null : EmbeddingCache.Open(settings.Cache, new CacheIdentity(model.ContentHash, Dimension,
            Pooling.ToString().ToLowerInvariant(), Normalize: false, model.MaxLength, "truncate", null, Precision,
            CacheIdentity.DeviceFamily(DeviceName), Ids: true), settings.CacheMaxBytes, Console.Error);
        metrics.Cache = _cache?.Counters;
    }

    /// <summary>Loads <see cref="ServeSettings.Model"/> onto <see cref="ServeSettings.Device"/>.</summary>
    public static ServeEngine Load(ServeSettings settings, ServeMetrics metrics)
    {
        var model = ModelLoader.Load(settings.Model);
        var backends = BackendFactory.CreateAll(settings.Device, settings.Threads);
        try
        {
            return new ServeEngine(model, backends, settings, metrics);
        }
        catch
        {
            foreach (var backend in backends)
                backend.Dispose();
            throw;
        }
    }

    public BertModel Model { get; }

    public RequestTokenizer Tokenizer { get; }

    /// <summary>The checkpoint's sequence-classification head (/predict, /rerank), or null.</summary>
    public TaskHead? Classifier { get; }

    public int Dimension => _embedder.Dimension;

    public PoolingMode Pooling => _embedder.Pooling;

    public string DeviceName => _embedder.DeviceName;

    public string Precision => _embedder.Precision.ToString().ToLowerInvariant();

    public int MaxBatchTokens => _embedder.MaxBatchTokens;

    /// <summary>Tokenizes <paramref name="inputs"/> on the thread pool; returns the sequences and the time taken.</summary>
    /// <param name="untruncated">Whole texts, however long (/tokenize).</param>
    public async Task<(TokenizedText[] Sequences, TimeSpan Elapsed)> TokenizeAsync(IReadOnlyList<ModelInput> inputs, bool truncate, bool left,
        CancellationToken cancellation, bool untruncated = false)
    {
        var start = Stopwatch.GetTimestamp();
        var sequences = new TokenizedText[inputs.Count];
        await Task.Run(() =>
        {
            try
            {
                Parallel.For(0, inputs.Count, i => sequences[i] = untruncated
                    ? Model.Tokenizer.Encode(inputs[i].Text!, int.MaxValue)
                    : Tokenizer.Encode(inputs[i], truncate, left, i));
            }
            catch (AggregateException e) when (e.InnerExceptions[0] is ApiError error)
            {
                throw error; // the first refused input, not Parallel's wrapper
            }
        }, cancellation);
        return (sequences, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>
    /// Pooled embeddings of <paramref name="inputs"/>, each cut to its first <paramref name="dimensions"/> values (all when
    /// null) and then L2-normalized if <paramref name="normalize"/>: rows <c>[inputs, width]</c>.
    /// </summary>
    public async Task<(float[] Rows, int Width, RequestTimings Timings)> EmbedAsync(IReadOnlyList<ModelInput> inputs, bool truncate, bool left,
        bool normalize, int? dimensions, CancellationToken cancellation)
    {
        var width = dimensions ?? Dimension;
        if (width < 1 || width > Dimension)
            throw ApiError.BadRequest($"`dimensions` is {width}; model '{Model.Name}' gives {Dimension} values, so ask for 1 to {Dimension}.");
        var (sequences, tokenization) = await TokenizeAsync(inputs, truncate, left, cancellation);
        var pooled = new float[sequences.Length * Dimension];
        var queue = await EmbedCachedAsync(sequences, pooled, cancellation);
        var rows = width == Dimension ? pooled : new float[sequences.Length * width];
        for (var i = 0; i < sequences.Length; i++)
        {
            var row = rows.AsSpan(i * width, width);
            pooled.AsSpan(i * Dimension, width).CopyTo(row);
            if (normalize)
                EmbeddingRows.Normalize(row);
        }
        // The request's tokens, cached rows included: what OpenAI's usage counts.
        var tokens = sequences.Sum(s => (long)s.Ids.Length);
        return (rows, width, new RequestTimings(tokenization, queue.Queue, queue.Inference, tokens, inputs.Sum(x => x.Characters)));
    }

    /// <summary>
    /// The raw pooled rows of <paramref name="sequences"/> into <paramref name="pooled"/>: with <c>--cache</c>, those whose
    /// ids the cache holds from there (the same float32 bits), the rest through the shared queue and then stored, as
    /// <c>embed</c> does it (<see cref="CachedChunk"/>).
    /// </summary>
    private async Task<QueueTimings> EmbedCachedAsync(TokenizedText[] sequences, float[] pooled, CancellationToken cancellation)
    {
        var cached = _cache is null ? null : CachedChunk.Find(_cache, sequences);
        IReadOnlyList<TokenizedText> missing = cached is null ? sequences : cached.OnlyMissing(sequences);
        var queue = new QueueTimings(TimeSpan.Zero, TimeSpan.Zero, 0);
        async Task<long> Compute()
        {
            if (missing.Count == 0)
                return 0;
            try
            {
                queue = await _embedder.EmbedTimedAsync(missing, pooled, cancellation);
            }
            catch (NonFiniteEmbeddingException e)
            {
                throw ApiError.Backend($"Inference failed: {e.Message}");
            }
            return queue.Tokens;
        }
        if (cached is null)
            await Compute();
        else
            await cached.Complete(Compute(), pooled, Dimension);
        return queue;
    }

    /// <summary>The classifier's logits of <paramref name="sequences"/>, <c>[sequences, head width]</c>.</summary>
    /// <exception cref="ApiError">424: the checkpoint has no sequence-classification head.</exception>
    public Task<(float[] Values, TimeSpan Queue, TimeSpan Inference)> PredictAsync(TokenizedText[] sequences, CancellationToken cancellation)
    {
        var head = Classifier ?? throw ApiError.Backend(
            $"Model '{Model.Name}' is not a classifier model (its config.json's architectures says {Model.Heads.Architecture ?? "nothing"}); serve a …ForSequenceClassification checkpoint for /predict and /rerank.");
        return OnTaskEncoderAsync(sequences, cancellation, (encoder, batch) =>
        {
            var logits = new float[batch.Sequences * head.Width];
            encoder.Predict(batch, head, logits);
            return logits;
        });
    }

    /// <summary>The last hidden state of <paramref name="sequences"/>, <c>[total tokens, hidden]</c> (TEI's /embed_all).</summary>
    public Task<(float[] Values, TimeSpan Queue, TimeSpan Inference)> LastHiddenStateAsync(TokenizedText[] sequences, CancellationToken cancellation) =>
        OnTaskEncoderAsync(sequences, cancellation, (encoder, batch) =>
        {
            var hidden = new float[batch.TotalTokens * encoder.HiddenSize];
            encoder.LastHiddenState(batch, hidden);
            return hidden;
        });

    /// <summary>Runs <paramref name="run"/> on the second encoder (created on first use) when its turn comes: one request at a time.</summary>
    private async Task<(float[] Values, TimeSpan Queue, TimeSpan Inference)> OnTaskEncoderAsync(TokenizedText[] sequences, CancellationToken cancellation,
        Func<BertEncoder, PackedBatch, float[]> run)
    {
        var start = Stopwatch.GetTimestamp();
        await _taskTurn.WaitAsync(cancellation);
        try
        {
            var queued = Stopwatch.GetElapsedTime(start);
            var began = Stopwatch.GetTimestamp();
            var values = await Task.Run(() =>
            {
                if (_task is null)
                {
                    var backends = BackendFactory.CreateAll(_device, _threads);
                    foreach (var extra in backends.Skip(1))
                        extra.Dispose();
                    // The embedder's precision as its devices resolved it: /predict and /rerank run as /embed does.
                    _task = (backends[0], new BertEncoder(Model, backends[0], _embedder.Precision));
                }
                return run(_task.Value.Encoder, new PackedBatch(sequences));
            }, cancellation);
            if (Array.FindIndex(values, v => !float.IsFinite(v)) is var bad and >= 0)
                throw ApiError.Backend($"Inference failed: value {bad} came out {values[bad]}.");
            return (values, queued, Stopwatch.GetElapsedTime(began));
        }
        finally
        {
            _taskTurn.Release();
        }
    }

    /// <summary>Finishes queued work, then releases the encoders and the devices.</summary>
    public void Dispose()
    {
        _embedder.Dispose();
        _cache?.Dispose();
        if (_task is { } task)
        {
            task.Encoder.Dispose();
            task.Backend.Dispose();
        }
        foreach (var backend in _backends)
            backend.Dispose();
        _taskTurn.Dispose();
    }
}
