using Bert.Gpu.Model;

namespace Bert.Gpu;

/// <summary>How an <see cref="Embedder"/> turns texts into vectors.</summary>
public sealed record EmbedderOptions
{
    /// <summary>Pooling; null = the model's own (<see cref="BertModel.DefaultPooling"/>).</summary>
    public PoolingMode? Pooling { get; init; }

    /// <summary>Scale every embedding to unit L2 norm (default true, as sentence-transformers models expect).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Longest input in tokens, special tokens included; null = the model's (<see cref="BertModel.MaxLength"/>).</summary>
    public int? MaxLength { get; init; }

    /// <summary>Token budget of one forward pass: bounds activation memory (about 4·(6·hidden + intermediate) bytes a token).</summary>
    public int MaxBatchTokens { get; init; } = 8192;

    /// <summary>Most sequences in one forward pass.</summary>
    public int MaxBatchSequences { get; init; } = 256;
}
