namespace Bert.Gpu.Model;

/// <summary>How a sequence's hidden states become one embedding.</summary>
public enum PoolingMode
{
    /// <summary>The hidden state of the first token ([CLS]).</summary>
    Cls,

    /// <summary>The mean over all tokens of the sequence, special tokens included (as sentence-transformers does).</summary>
    Mean,

    /// <summary>The element-wise maximum over all tokens of the sequence.</summary>
    Max,
}
