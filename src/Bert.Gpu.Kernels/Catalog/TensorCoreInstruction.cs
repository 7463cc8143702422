namespace Bert.Gpu.Kernels.Catalog;

/// <summary>Which tensor-core instruction a kernel's SASS must contain (and which it must not).</summary>
public enum TensorCoreInstruction
{
    /// <summary>No tensor cores: neither HMMA nor IMMA may appear.</summary>
    None,

    /// <summary>fp16 <c>mma.sync</c>: HMMA must appear, IMMA must not.</summary>
    Hmma,

    /// <summary>int8 <c>mma.sync</c>: IMMA must appear, HMMA must not.</summary>
    Imma,
}
