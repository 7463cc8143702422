namespace Bert.Gpu.Quantization.Files;

/// <summary>The element types of a <c>.qbert</c> tensor, named in the header as they are here.</summary>
public enum QbertDtype
{
    /// <summary>IEEE fp32, little-endian: biases, LayerNorms, embeddings, layers kept in float.</summary>
    F32,

    /// <summary>Symmetric int8 codes of a <c>[rows, columns]</c> weight, with one fp32 scale per row stored after them (<see cref="Int8Matrix"/>).</summary>
    I8,

    /// <summary>Opaque bytes, shape <c>[length]</c>: files that travel with the model (a vocabulary, a tokenizer.json).</summary>
    U8,
}
