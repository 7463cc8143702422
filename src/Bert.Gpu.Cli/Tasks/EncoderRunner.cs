using Bert.Gpu.Backends;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>A checkpoint's encoder on one backend, for the task commands: tokenized sequences in, one batch per call.</summary>
internal class EncoderRunner : IDisposable
{
    private readonly IComputeBackend _backend;

    /// <summary>Runs <paramref name="model"/> on <paramref name="backend"/> (owned from here on).</summary>
    /// <exception cref="CliException"><paramref name="precision"/> is fp16 and the backend has no fp16 path.</exception>
    protected EncoderRunner(BertModel model, IComputeBackend backend, int maxLength, string modelHash, Precision precision)
    {
        Model = model;
        ModelHash = modelHash;
        MaxLength = maxLength;
        _backend = backend;
        try
        {
            Encoder = new BertEncoder(model, backend, precision);
        }
        catch (NotSupportedException e)
        {
            backend.Dispose();
            throw CommonOptions.PrecisionUnsupported(precision, e);
        }
    }

    /// <summary>The model.</summary>
    public BertModel Model { get; }

    /// <summary>What decides the outputs, as a hex SHA-256 (the model's content hash, and a head's when there is one).</summary>
    public string ModelHash { get; }

    /// <summary>Most tokens of one sequence, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>The model's tokenizer.</summary>
    public ITokenizer Tokenizer => Model.Tokenizer;

    /// <summary>The precision in force (<c>--precision</c> resolved by the device), lower case: part of a job's identity.</summary>
    public string Precision => Encoder.Precision.ToString().ToLowerInvariant();

    /// <summary>The device the encoder runs on, for the summary line.</summary>
    public string DeviceName => _backend.DeviceName;

    /// <summary>The encoder.</summary>
    protected BertEncoder Encoder { get; }

    /// <summary>Loads <paramref name="modelSpec"/> (a built-in name or a folder) on <paramref name="device"/>, encoder only.</summary>
    public static EncoderRunner Load(string modelSpec, string device, int threads, int? maxLength, Precision precision)
    {
        var model = ModelLoader.Load(modelSpec);
        return new EncoderRunner(model, BackendFactory.Create(device, threads), CheckedMaxLength(model, maxLength, pairs: false), model.ContentHash, precision);
    }

    /// <summary>The max length in force (<c>--max-length</c> or the model's), checked to leave room for text after the special tokens.</summary>
    protected static int CheckedMaxLength(BertModel model, int? maxLength, bool pairs)
    {
        var length = Commands.CommonOptions.ResolveMaxLength(maxLength, model);
        var specials = model.Tokenizer.SpecialTokenCount(pairs);
        if (length <= specials)
            throw new CliException($"--max-length {length}: leaves no room for text after this model's {specials} special tokens; allow at least {specials + 1}.");
        return length;
    }

    /// <summary>The last hidden state of <paramref name="sequences"/>, <c>[TotalTokens, hidden]</c>, with the batch they were packed in.</summary>
    public (float[] Hidden, PackedBatch Batch) LastHiddenState(IReadOnlyList<TokenizedText> sequences)
    {
        var batch = new PackedBatch(sequences);
        var hidden = new float[batch.TotalTokens * Encoder.HiddenSize];
        Encoder.LastHiddenState(batch, hidden);
        return (hidden, batch);
    }

    public void Dispose()
    {
        Encoder.Dispose();
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }
}
