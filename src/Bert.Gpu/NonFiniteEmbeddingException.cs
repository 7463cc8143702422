namespace Bert.Gpu;

/// <summary>
/// An embedding came out NaN or infinite: the encoder overflowed on that input (finite weights whose activations
/// exceed fp32, say). Raised instead of handing back a row that would silently poison every search it enters.
/// </summary>
public sealed class NonFiniteEmbeddingException(int index, float value)
    : InvalidOperationException($"The embedding of input {index} came out {(float.IsNaN(value) ? "NaN" : "infinite")}: the encoder overflowed on it.")
{
    /// <summary>0-based index, within the call's inputs, of the first input whose embedding is not finite.</summary>
    public int Index { get; } = index;
}
