namespace Bert.Gpu.Model;

/// <summary>
/// The four GEMMs of a transformer layer: the units a layer's linear weights are uploaded, quantized and calibrated
/// in. Q, K and V read the same input, so they are one unit (one fused <c>[3·hidden, hidden]</c> GEMM, one activation
/// scale).
/// </summary>
public enum LinearUnit
{
    /// <summary>The fused query, key and value projections.</summary>
    Qkv,

    /// <summary>The attention output projection (its input: the attention context).</summary>
    AttentionOutput,

    /// <summary>The feed-forward up projection, followed by GELU.</summary>
    Intermediate,

    /// <summary>The feed-forward down projection (its input: the GELU activations, the widest and most outlier-prone).</summary>
    Output,
}
