namespace Bert.Gpu.Backends;

/// <summary>
/// The number format of an encoder's fp32 linear layers on a backend (<c>--precision</c>). Int8 layers of a quantized
/// model stay int8 whatever is chosen; embeddings, LayerNorm, softmax, the residual stream and the heads stay fp32.
/// </summary>
public enum Precision
{
    /// <summary>fp32 weights and GEMMs: every backend.</summary>
    Fp32,

    /// <summary>
    /// fp16 weights (half the memory) and fp16 GEMM inputs with fp32 accumulation (<see cref="LinearFormat.Fp16"/>), and
    /// fp16 activations between kernels where the model allows (<see cref="Encoder.BertEncoder.HalfActivationsBetweenKernels"/>),
    /// where the backend has the path.
    /// </summary>
    Fp16,

    /// <summary>What the backend runs best: fp16 on CUDA devices with tensor cores (sm ≥ 80), fp32 elsewhere (<see cref="IComputeBackend.AutoPrecision"/>).</summary>
    Auto,
}
