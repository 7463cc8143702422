using Bert.Gpu.Model;

namespace Bert.Gpu;

/// <summary>How an <see cref="Embedder"/> turns texts into vectors.</summary>
public sealed record EmbedderOptions
{
    /// <summary>Pooling; null = the model's own (<see cref="BertModel.DefaultPooling"/>).</summary>
    public PoolingMode? Pooling { get; init; }

    /// <summary>Scale every embedding to unit L2 norm (default true, as sentence-transformers models expect).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Longest sequence in tokens, special tokens included; null = the model's (<see cref="BertModel.MaxLength"/>).</summary>
    public int? MaxLength { get; init; }

    /// <summary>Texts longer than <see cref="MaxLength"/>: truncated (default) or embedded as sliding windows.</summary>
    public LongTextMode LongText { get; init; } = LongTextMode.Truncate;

    /// <summary>With <see cref="LongTextMode.Window"/>: tokens between window starts; null = half a window.</summary>
    public int? Stride { get; init; }

    /// <summary>
    /// Token budget of one forward pass; null = sized from the device. Bounds activation memory: about
    /// <see cref="Encoder.BertEncoder.ActivationBytesPerToken"/> bytes a token (for MiniLM, 15 KB in fp32, 5.3 KB on the fp16 pipeline).
    /// </summary>
    public int? MaxBatchTokens { get; init; }

    /// <summary>
    /// The number format of the encoder's linear layers: <see cref="Backends.Precision.Auto"/> (default) lets each
    /// backend choose (fp16 on CUDA sm ≥ 80, fp32 elsewhere); fp16 where a backend has no such path is an error.
    /// </summary>
    public Backends.Precision Precision { get; init; } = Backends.Precision.Auto;

    /// <summary>Most sequences in one forward pass.</summary>
    public int MaxBatchSequences { get; init; } = 256;

    /// <summary>How many batches' worth of waiting sequences are sorted by length together.</summary>
    public int LookAheadBatches { get; init; } = 4;

    /// <summary>
    /// Told each forward pass's sequences, tokens and duration, from the worker's thread as the pass ends (a server's
    /// batch metrics); keep it cheap: the device waits for it. Null (default): nothing is told.
    /// </summary>
    public Action<int, int, TimeSpan>? BatchComputed { get; init; }
}
