using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Backends;

/// <summary>Element-wise function applied in a linear layer's epilogue, after the bias (values: <see cref="Activations"/>' codes).</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None = Activations.None,

    /// <summary>Exact GELU, <c>0.5·x·(1 + erf(x/√2))</c>, as BERT's <c>hidden_act = "gelu"</c>.</summary>
    Gelu = Activations.Gelu,

    /// <summary>GELU's tanh form (<see cref="Kernels.Math.GeluTanh"/>): <c>gelu_new</c>, <c>gelu_pytorch_tanh</c> (ALBERT).</summary>
    GeluTanh = Activations.GeluTanh,

    /// <summary><c>max(0, x)</c>: <c>relu</c>.</summary>
    Relu = Activations.Relu,

    /// <summary><c>tanh(x)</c>: BERT's pooler, RoBERTa's and ALBERT's classifier heads.</summary>
    Tanh = Activations.Tanh,
}
