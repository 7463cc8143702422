using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu;

/// <summary>
/// Texts in, embeddings out: tokenization, packing into padding-free batches under a token budget, the encoder on a
/// backend, pooling and normalization. Not thread-safe: one call at a time per instance.
/// </summary>
public sealed class Embedder : IDisposable
{
    private readonly BertEncoder _encoder;
    private readonly PoolingMode _pooling;
    private readonly int _maxLength;

    /// <summary>Uploads <paramref name="model"/> to <paramref name="backend"/>; the embedder owns neither.</summary>
    public Embedder(BertModel model, IComputeBackend backend, EmbedderOptions? options = null)
    {
        Options = options ?? new EmbedderOptions();
        _maxLength = Options.MaxLength ?? model.MaxLength;
        if (_maxLength < 2 || _maxLength > model.Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxLength {_maxLength} must be between 2 and the model's {model.Config.MaxPositionEmbeddings} positions.");
        if (Options.MaxBatchTokens < _maxLength)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxBatchTokens {Options.MaxBatchTokens} must be at least MaxLength {_maxLength}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxBatchSequences, 1, nameof(options));
        Model = model;
        _pooling = Options.Pooling ?? model.DefaultPooling;
        _encoder = new BertEncoder(model, backend);
    }

    /// <summary>The model being run.</summary>
    public BertModel Model { get; }

    /// <summary>The options in force.</summary>
    public EmbedderOptions Options { get; }

    /// <summary>Length of every embedding.</summary>
    public int Dimension => Model.Config.HiddenSize;

    /// <summary>What computes, e.g. <c>host (2 threads, AVX2+FMA)</c>.</summary>
    public string DeviceName => _encoder.Backend.DeviceName;

    /// <summary>Tokenizes <paramref name="texts"/> in parallel, truncating each to the maximum length.</summary>
    public TokenizedText[] Tokenize(IReadOnlyList<string> texts)
    {
        var result = new TokenizedText[texts.Count];
        Parallel.For(0, texts.Count, i => result[i] = Model.Tokenizer.Encode(texts[i], _maxLength));
        return result;
    }

    /// <summary>Embeds <paramref name="texts"/>; one array of <see cref="Dimension"/> floats per text, in order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var flat = new float[texts.Count * Dimension];
        Embed(Tokenize(texts), flat);
        return Enumerable.Range(0, texts.Count).Select(i => flat.AsSpan(i * Dimension, Dimension).ToArray()).ToArray();
    }

    /// <summary>Embeds tokenized sequences into <paramref name="output"/> <c>[sequences, Dimension]</c>, in order.</summary>
    public void Embed(IReadOnlyList<TokenizedText> sequences, Span<float> output)
    {
        if (output.Length < sequences.Count * Dimension)
            throw new ArgumentException($"The output holds {output.Length} values; {sequences.Count}×{Dimension} are needed.", nameof(output));
        var start = 0;
        while (start < sequences.Count)
        {
            // Cut consecutive sequences under the token budget; a batch always takes at least one sequence.
            var end = start;
            var tokens = 0;
            while (end < sequences.Count && end - start < Options.MaxBatchSequences
                   && (end == start || tokens + sequences[end].Ids.Length <= Options.MaxBatchTokens))
                tokens += sequences[end++].Ids.Length;
            var batch = new PackedBatch(Slice(sequences, start, end));
            _encoder.Embed(batch, _pooling, Options.Normalize, output.Slice(start * Dimension, (end - start) * Dimension));
            start = end;
        }
    }

    private static TokenizedText[] Slice(IReadOnlyList<TokenizedText> items, int start, int end)
    {
        var slice = new TokenizedText[end - start];
        for (var i = start; i < end; i++)
            slice[i - start] = items[i];
        return slice;
    }

    /// <inheritdoc />
    public void Dispose() => _encoder.Dispose();
}
