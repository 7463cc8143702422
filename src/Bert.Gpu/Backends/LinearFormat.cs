namespace Bert.Gpu.Backends;

/// <summary>The number formats a linear layer can be uploaded in, chosen per layer.</summary>
public enum LinearFormat
{
    /// <summary>fp32 weights and activations.</summary>
    Fp32,

    /// <summary>
    /// Symmetric int8 weights per output channel and int8 activations (static per tensor or dynamic per token),
    /// int32 accumulation, dequantized in the epilogue.
    /// </summary>
    Int8,

    /// <summary>
    /// fp16 weights (input dimension zero-padded to a multiple of 8), an fp16 input (the fp16 pipeline's, or an fp32 one
    /// converted per call), fp32 accumulation on tensor cores, an fp32 epilogue, and an fp16 and/or fp32 output.
    /// </summary>
    Fp16,
}
