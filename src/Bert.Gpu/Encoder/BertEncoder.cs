using Bert.Gpu.Backends;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;

namespace Bert.Gpu.Encoder;

/// <summary>
/// A BERT-family encoder (post-LayerNorm, as in the original BERT) on one backend: the fixed sequence of backend
/// operations, written once for every backend and every family — what differs between families is data in the config:
/// the embedding width and its projection, the position numbering, the activation, which layer runs when.
/// Not thread-safe: one batch at a time per instance.
/// </summary>
public sealed class BertEncoder : IDisposable
{
    private readonly IComputeBackend _backend;
    private readonly BertConfig _config;
    private readonly IDeviceBuffer _word, _position, _type, _embedGamma, _embedBeta;
    private readonly ILinearWeights? _projection;
    private readonly LayerWeights[] _layers;
    private readonly int[] _schedule;
    private readonly Activation _activation;
    private readonly Workspace _workspace;
    private readonly HalfActivations? _halves;
    private readonly BertModel _model;
    private readonly Dictionary<TaskHead, HeadWeights> _heads = [];
    private IDeviceBuffer? _headA, _headB;
    private IDeviceBuffer? _pooled;
    private float[] _observed = [];
    private ILinearInputObserver? _observer;

    /// <summary>Uploads <paramref name="model"/>'s weights to <paramref name="backend"/>, its fp32 linear layers in <paramref name="precision"/>.</summary>
    /// <exception cref="NotSupportedException">The backend has no fp16 path and <paramref name="precision"/> asks for it.</exception>
    public BertEncoder(BertModel model, IComputeBackend backend, Precision precision = Precision.Fp32)
        : this(model, backend, precision, halfActivations: true)
    {
    }

    /// <summary>As the public constructor; <paramref name="halfActivations"/> false keeps an fp16 encoder off the fp16 pipeline (tests compare the two paths).</summary>
    internal BertEncoder(BertModel model, IComputeBackend backend, Precision precision, bool halfActivations)
    {
        Precision = precision == Precision.Auto ? backend.AutoPrecision : precision;
        if (Precision == Precision.Fp16 && !backend.Supports(LinearFormat.Fp16))
            throw new NotSupportedException($"{backend.DeviceName} has no fp16 path; use fp32 (auto chooses fp16 only on CUDA GPUs of compute capability 8.0 or later).");
        _backend = backend;
        _model = model;
        _config = model.Config;
        _word = backend.Upload(model[BertTensorNames.WordEmbeddings].Data);
        _position = backend.Upload(model[BertTensorNames.PositionEmbeddings].Data);
        _type = backend.Upload(model[BertTensorNames.TokenTypeEmbeddings].Data);
        _embedGamma = backend.Upload(model[BertTensorNames.EmbeddingsLayerNormWeight].Data);
        _embedBeta = backend.Upload(model[BertTensorNames.EmbeddingsLayerNormBias].Data);
        if (_config.HasEmbeddingProjection)
        {
            var projection = new Fp32Linear(model[BertTensorNames.EmbeddingsProjection + ".weight"], model[BertTensorNames.EmbeddingsProjection + ".bias"]);
            _projection = backend.UploadLinear(Precision == Precision.Fp16 ? Fp16Linear.From(projection) : projection);
        }
        // Shared layers (ALBERT) are uploaded once and run as often as the schedule says.
        _layers = new LayerWeights[_config.NumLayers];
        for (var i = 0; i < _layers.Length; i++)
            _layers[i] = new LayerWeights(model, i, backend, Precision);
        _schedule = [.. _config.Schedule];
        _activation = FeedForwardActivation(_config.HiddenAct);
        _workspace = new Workspace(backend, _config);
        if (halfActivations && Precision == Precision.Fp16 && HalfActivations.Applies(_config, backend, _layers.SelectMany(l => l.Units), _projection))
            _halves = new HalfActivations(backend, _config);
    }

    /// <summary>The backend the encoder runs on.</summary>
    public IComputeBackend Backend => _backend;

    /// <summary>The precision the encoder's linear layers run in (<see cref="Precision.Auto"/> resolved by the backend).</summary>
    public Precision Precision { get; }

    /// <summary>Width of the hidden states.</summary>
    public int HiddenSize => _config.HiddenSize;

    /// <summary>
    /// Whether activations stay fp16 between kernels (the fp16 pipeline, <see cref="HalfActivations"/>): with
    /// <see cref="Precision.Fp16"/> wherever the model and backend allow; otherwise fp16 layers convert their fp32 input per call.
    /// </summary>
    public bool HalfActivationsBetweenKernels => _halves is not null;

    /// <summary>
    /// Device bytes of activations per token of batch capacity, what batch budgets divide free memory by:
    /// <see cref="HalfActivations.BytesPerToken"/> on the fp16 pipeline, <see cref="Workspace.BytesPerToken"/> otherwise.
    /// </summary>
    public long ActivationBytesPerToken => _halves is null ? Workspace.BytesPerToken(_config, Precision) : HalfActivations.BytesPerToken(_config);

    /// <summary>
    /// Sizes the activation buffers for batches of up to <paramref name="tokens"/> tokens now, so that they are never
    /// reallocated during a job: growing them for a larger batch leaves the smaller ones as garbage (for MiniLM up to
    /// 126 MB at 8,192 tokens) under the peak until a full collection. On the host the buffers are uninitialized, so
    /// memory is resident only as far as batches really reach.
    /// </summary>
    public void Reserve(int tokens)
    {
        if (_halves is null)
            _workspace.Reserve(tokens);
        else
            _halves.Reserve(tokens);
    }

    /// <summary>
    /// Told every linear unit's input before the unit runs (each one downloaded from the device first, so this is for
    /// calibration, not for speed); null, the default: nothing is told.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set on an encoder whose activations are fp16 (calibration observes fp32 inputs).</exception>
    public ILinearInputObserver? InputObserver
    {
        get => _observer;
        set => _observer = value is null || _halves is null
            ? value
            : throw new InvalidOperationException("Calibration observes the fp32 inputs of each linear unit; make this encoder with Precision.Fp32.");
    }

    /// <summary>
    /// When the pooling is <see cref="PoolingMode.Cls"/>, <see cref="Embed"/> runs the last layer's attention output
    /// and feed-forward for each sequence's first token only (its queries, keys and values, and so its attention, still
    /// for every token): nothing else of the last layer reaches a CLS embedding, and every op works row by row, so the
    /// result is the same. True by default; false runs the whole last layer (for comparison).
    /// </summary>
    public bool ClsOnlyLastLayer { get; set; } = true;

    /// <summary>
    /// Runs the encoder; returns the last hidden state <c>[TotalTokens, hidden]</c>, a workspace buffer that stays
    /// valid until the next call.
    /// </summary>
    public IDeviceBuffer Forward(DeviceBatch batch) => Forward(batch, clsOnly: false);

    /// <summary>
    /// As <see cref="Forward(DeviceBatch)"/>; with <paramref name="clsOnly"/> the result is the last layer's output for
    /// each sequence's first token only, <c>[Sequences, hidden]</c>.
    /// </summary>
    private IDeviceBuffer Forward(DeviceBatch batch, bool clsOnly)
    {
        if (_halves is not null)
            return ForwardHalf(batch, _halves, clsOnly);
        var c = _config;
        var tokens = batch.TotalTokens;
        _workspace.Reserve(tokens);
        var w = _workspace;
        if (_projection is null)
        {
            _backend.EmbedLayerNorm(batch, _word, _position, _type, _embedGamma, _embedBeta, c.HiddenSize, c.LayerNormEps, w.Hidden);
        }
        else
        {
            // Narrower embeddings (ALBERT, ELECTRA) are normalized at their own width in Context, then projected.
            _backend.EmbedLayerNorm(batch, _word, _position, _type, _embedGamma, _embedBeta, c.EmbeddingWidth, c.LayerNormEps, w.Context);
            _backend.Linear(w.Context, tokens, _projection, Activation.None, null, w.Hidden);
        }
        for (var step = 0; step < _schedule.Length; step++)
        {
            var i = _schedule[step];
            var layer = _layers[i];
            Observe(i, LinearUnit.Qkv, w.Hidden, tokens, c.HiddenSize);
            _backend.Linear(w.Hidden, tokens, layer.Qkv, Activation.None, null, w.Qkv);
            _backend.Attention(batch, w.Qkv, c.NumHeads, c.HeadDim, w.Context, Precision);
            if (clsOnly && step == _schedule.Length - 1)
                return ClsRowsOfLastLayer(batch, layer);
            Observe(i, LinearUnit.AttentionOutput, w.Context, tokens, c.HiddenSize);
            _backend.Linear(w.Context, tokens, layer.AttentionOutput, Activation.None, w.Hidden, w.Attended);
            _backend.LayerNorm(w.Attended, tokens, c.HiddenSize, layer.AttentionNormGamma, layer.AttentionNormBeta, c.LayerNormEps);
            Observe(i, LinearUnit.Intermediate, w.Attended, tokens, c.HiddenSize);
            _backend.Linear(w.Attended, tokens, layer.Intermediate, _activation, null, w.Intermediate);
            Observe(i, LinearUnit.Output, w.Intermediate, tokens, c.IntermediateSize);
            _backend.Linear(w.Intermediate, tokens, layer.Output, Activation.None, w.Attended, w.Hidden);
            _backend.LayerNorm(w.Hidden, tokens, c.HiddenSize, layer.OutputNormGamma, layer.OutputNormBeta, c.LayerNormEps);
        }
        return w.Hidden;
    }

    /// <summary>
    /// The rest of the last layer on each sequence's first row: CLS pooling gathers the first rows of the context and of
    /// the layer's input (the residual), and the attention output, LayerNorms and feed-forward run on those
    /// <c>Sequences</c> rows. The workspace's free buffers hold them: the context is gathered into Attended, the
    /// residual into Qkv (no longer read), then Context and Hidden are free for the results.
    /// </summary>
    private IDeviceBuffer ClsRowsOfLastLayer(DeviceBatch batch, LayerWeights layer)
    {
        var (c, w, rows, last) = (_config, _workspace, batch.Sequences, _schedule[^1]);
        _backend.Pool(batch, w.Context, c.HiddenSize, PoolingMode.Cls, w.Attended);
        _backend.Pool(batch, w.Hidden, c.HiddenSize, PoolingMode.Cls, w.Qkv);
        Observe(last, LinearUnit.AttentionOutput, w.Attended, rows, c.HiddenSize);
        _backend.Linear(w.Attended, rows, layer.AttentionOutput, Activation.None, w.Qkv, w.Context);
        _backend.LayerNorm(w.Context, rows, c.HiddenSize, layer.AttentionNormGamma, layer.AttentionNormBeta, c.LayerNormEps);
        Observe(last, LinearUnit.Intermediate, w.Context, rows, c.HiddenSize);
        _backend.Linear(w.Context, rows, layer.Intermediate, _activation, null, w.Intermediate);
        Observe(last, LinearUnit.Output, w.Intermediate, rows, c.IntermediateSize);
        _backend.Linear(w.Intermediate, rows, layer.Output, Activation.None, w.Context, w.Hidden);
        _backend.LayerNorm(w.Hidden, rows, c.HiddenSize, layer.OutputNormGamma, layer.OutputNormBeta, c.LayerNormEps);
        return w.Hidden;
    }

    /// <summary>
    /// The fp16 pipeline (buffers: <see cref="HalfActivations"/>): each GEMM reads LayerNorm's fp16 copy or the previous
    /// GEMM's fp16 output, the attention reads Q, K, V and writes its context in fp16, the attention-output and output
    /// GEMMs add their fp32 result to the residual stream in place, and each LayerNorm normalizes it in fp32 and writes the
    /// next fp16 copy (not after the last layer: nothing reads it).
    /// </summary>
    private IDeviceBuffer ForwardHalf(DeviceBatch batch, HalfActivations a, bool clsOnly)
    {
        var c = _config;
        var tokens = batch.TotalTokens;
        a.Reserve(tokens);
        if (_projection is null)
        {
            _backend.EmbedLayerNorm(batch, _word, _position, _type, _embedGamma, _embedBeta, c.HiddenSize, c.LayerNormEps, a.Hidden, a.Normed);
        }
        else
        {
            // Narrower embeddings are normalized at their own width in Hidden (the projection overwrites it) with their fp16
            // copy in Wide; the projection writes the residual stream and its fp16 copy.
            _backend.EmbedLayerNorm(batch, _word, _position, _type, _embedGamma, _embedBeta, c.EmbeddingWidth, c.LayerNormEps, a.Hidden, a.Wide);
            _backend.Linear(a.Wide, tokens, _projection, Activation.None, null, a.Hidden, a.Normed);
        }
        for (var step = 0; step < _schedule.Length; step++)
        {
            var layer = _layers[_schedule[step]];
            var last = step == _schedule.Length - 1;
            _backend.Linear(a.Normed, tokens, layer.Qkv, Activation.None, null, a.Wide);
            _backend.Attention(batch, a.Wide, c.NumHeads, c.HeadDim, a.Normed, Precision);
            _backend.Linear(a.Normed, tokens, layer.AttentionOutput, Activation.None, a.Hidden, a.Hidden);
            if (clsOnly && last)
                return ClsRowsOfLastLayerHalf(batch, layer, a);
            _backend.LayerNorm(a.Hidden, tokens, c.HiddenSize, layer.AttentionNormGamma, layer.AttentionNormBeta, c.LayerNormEps, a.Normed);
            _backend.Linear(a.Normed, tokens, layer.Intermediate, _activation, null, a.Wide);
            _backend.Linear(a.Wide, tokens, layer.Output, Activation.None, a.Hidden, a.Hidden);
            _backend.LayerNorm(a.Hidden, tokens, c.HiddenSize, layer.OutputNormGamma, layer.OutputNormBeta, c.LayerNormEps, last ? null : a.Normed);
        }
        return a.Hidden;
    }

    /// <summary>
    /// The fp16 pipeline's CLS-only last layer: the attention output still runs on every row (gathering fp16 context rows
    /// would need a kernel of its own, and that GEMM is a twelfth of a layer's), then the first rows of the residual stream
    /// are gathered in fp32 and the LayerNorms and feed-forward run on those <c>Sequences</c> rows (their fp16 conversion
    /// per call). Gathering before the LayerNorm changes no bit: it works row by row.
    /// </summary>
    private IDeviceBuffer ClsRowsOfLastLayerHalf(DeviceBatch batch, LayerWeights layer, HalfActivations a)
    {
        var (c, rows) = (_config, batch.Sequences);
        var cls = PooledRows(rows);
        _backend.Pool(batch, a.Hidden, c.HiddenSize, PoolingMode.Cls, cls);
        _backend.LayerNorm(cls, rows, c.HiddenSize, layer.AttentionNormGamma, layer.AttentionNormBeta, c.LayerNormEps);
        _backend.Linear(cls, rows, layer.Intermediate, _activation, null, a.Wide);
        _backend.Linear(a.Wide, rows, layer.Output, Activation.None, cls, cls);
        _backend.LayerNorm(cls, rows, c.HiddenSize, layer.OutputNormGamma, layer.OutputNormBeta, c.LayerNormEps);
        return cls;
    }

    /// <summary>
    /// An fp32 buffer of at least <c>[sequences, hidden]</c>, grown when more sequences come: pooled rows, or the fp16
    /// pipeline's CLS-only last layer (whose result <see cref="Embed"/> downloads before anything pools into it again).
    /// </summary>
    private IDeviceBuffer PooledRows(int sequences)
    {
        if (_pooled is null || _pooled.Length < sequences * HiddenSize)
        {
            _pooled?.Dispose();
            _pooled = _backend.Allocate(Math.Max(sequences, 64) * HiddenSize);
        }
        return _pooled;
    }

    private void Observe(int layer, LinearUnit unit, IDeviceBuffer input, int tokens, int width)
    {
        if (InputObserver is not { } observer)
            return;
        var length = tokens * width;
        if (_observed.Length < length)
            _observed = new float[length];
        _backend.Download(input, _observed.AsSpan(0, length));
        observer.Observe(layer, unit, _observed.AsSpan(0, length), width);
    }

    /// <summary>Runs the encoder on <paramref name="batch"/> and copies the last hidden state <c>[TotalTokens, hidden]</c> out.</summary>
    public void LastHiddenState(PackedBatch batch, Span<float> output)
    {
        CheckOutput(output, batch.TotalTokens);
        using var device = Upload(batch);
        _backend.Download(Forward(device), output[..(batch.TotalTokens * HiddenSize)]);
    }

    /// <summary>Runs the encoder and pools each sequence into one row of <paramref name="output"/> <c>[Sequences, hidden]</c>.</summary>
    public void Embed(PackedBatch batch, PoolingMode pooling, bool normalize, Span<float> output)
    {
        CheckOutput(output, batch.Sequences);
        using var device = Upload(batch);
        if (pooling == PoolingMode.Cls && ClsOnlyLastLayer)
        {
            var first = Forward(device, clsOnly: true);
            if (normalize)
                _backend.L2Normalize(first, batch.Sequences, HiddenSize);
            _backend.Download(first, output[..(batch.Sequences * HiddenSize)]);
            return;
        }
        var hidden = Forward(device);
        var pooled = PooledRows(batch.Sequences);
        _backend.Pool(device, hidden, HiddenSize, pooling, pooled);
        if (normalize)
            _backend.L2Normalize(pooled, batch.Sequences, HiddenSize);
        _backend.Download(pooled, output[..(batch.Sequences * HiddenSize)]);
    }

    /// <summary>The feed-forward activation a config's <c>hidden_act</c> names (<see cref="BertConfig.Validate"/> admits no other).</summary>
    internal static Activation FeedForwardActivation(string hiddenAct) =>
        hiddenAct == "relu" ? Activation.Relu : BertConfig.IsTanhGelu(hiddenAct) ? Activation.GeluTanh : Activation.Gelu;

    /// <summary>
    /// Runs the encoder, then <paramref name="head"/> on the same backend; copies its logits out: <c>[Sequences, Width]</c>
    /// for a per-sequence head, <c>[TotalTokens, Width]</c> for a per-token one. The head's weights are uploaded on first use.
    /// </summary>
    public void Predict(PackedBatch batch, TaskHead head, Span<float> output)
    {
        var rows = head.PerSequence ? batch.Sequences : batch.TotalTokens;
        if (output.Length < (long)rows * head.Width)
            throw new ArgumentException($"The output holds {output.Length} values; {rows}×{head.Width} are needed.", nameof(output));
        if (!_heads.TryGetValue(head, out var weights))
            _heads[head] = weights = new HeadWeights(_model, head, _backend);
        using var device = Upload(batch);
        var x = Forward(device);
        var width = HiddenSize;
        rows = batch.TotalTokens;
        // The head's ping-pong buffers grow with the largest batch and are reused: a fill-mask batch's are
        // tokens × vocabulary floats (8,192 × 30,522 × 4 B = 1 GB for BERT-base), not to be allocated per batch.
        var (a, b) = HeadBuffers(rows * weights.MaxWidth);
        foreach (var step in head.Steps)
        {
            var y = ReferenceEquals(x, a) ? b : a;
            switch (step)
            {
                case FirstTokenStep:
                    _backend.Pool(device, x, width, PoolingMode.Cls, y);
                    rows = batch.Sequences;
                    x = y;
                    break;
                case LinearStep linear:
                    var w = weights.Linears[step];
                    _backend.Linear(x, rows, w, linear.Activation, null, y);
                    width = w.OutFeatures;
                    x = y;
                    break;
                case LayerNormStep norm:
                    var (gamma, beta) = weights.Norms[step];
                    _backend.LayerNorm(x, rows, width, gamma, beta, norm.Epsilon);
                    break;
            }
        }
        _backend.Download(x, output[..(rows * width)]);
    }

    private (IDeviceBuffer A, IDeviceBuffer B) HeadBuffers(int length)
    {
        if (_headA is null || _headA.Length < length)
        {
            _headA?.Dispose();
            _headB?.Dispose();
            (_headA, _headB) = (_backend.Allocate(length), _backend.Allocate(length));
        }
        return (_headA, _headB!);
    }

    private DeviceBatch Upload(PackedBatch batch)
    {
        if (batch.MaxSequenceLength > _config.MaxSequenceLength)
            throw new ArgumentException($"A sequence of {batch.MaxSequenceLength} tokens exceeds the model's {_config.MaxSequenceLength} positions.", nameof(batch));
        foreach (var id in batch.InputIds)
            if ((uint)id >= (uint)_config.VocabSize)
                throw new ArgumentException($"Token id {id} is outside the vocabulary of {_config.VocabSize}.", nameof(batch));
        foreach (var type in batch.TypeIds)
            if ((uint)type >= (uint)_config.TypeVocabSize)
                throw new ArgumentException($"Token type {type} is outside the model's {_config.TypeVocabSize} types.", nameof(batch));
        return _config.PositionPadId is { } pad ? batch.Upload(_backend, PaddedPositions(batch, pad)) : batch.Upload(_backend);
    }

    /// <summary>
    /// RoBERTa's positions (transformers' <c>create_position_ids_from_input_ids</c>): the pad id plus the count of
    /// non-pad tokens so far, and the pad id itself for a pad token.
    /// </summary>
    internal static int[] PaddedPositions(PackedBatch batch, int pad)
    {
        var positions = new int[batch.TotalTokens];
        for (var s = 0; s < batch.Sequences; s++)
        {
            var count = 0;
            for (var t = batch.SeqStarts[s]; t < batch.SeqStarts[s + 1]; t++)
                positions[t] = batch.InputIds[t] == pad ? pad : pad + ++count;
        }
        return positions;
    }

    private void CheckOutput(Span<float> output, int rows)
    {
        if (output.Length < rows * HiddenSize)
            throw new ArgumentException($"The output holds {output.Length} values; {rows}×{HiddenSize} are needed.", nameof(output));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _word.Dispose();
        _position.Dispose();
        _type.Dispose();
        _embedGamma.Dispose();
        _embedBeta.Dispose();
        _projection?.Dispose();
        foreach (var layer in _layers)
            layer.Dispose();
        _workspace.Dispose();
        _halves?.Dispose();
        _pooled?.Dispose();
        foreach (var head in _heads.Values)
            head.Dispose();
        _headA?.Dispose();
        _headB?.Dispose();
    }
}
