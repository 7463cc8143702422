namespace Bert.Gpu.Backends;

/// <summary>Element-wise function applied in a linear layer's epilogue, after the bias.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None,

    /// <summary>Exact GELU, <c>0.5·x·(1 + erf(x/√2))</c>, as BERT's <c>hidden_act = "gelu"</c>.</summary>
    Gelu,
}
