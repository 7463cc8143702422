namespace Bert.Gpu.Weights.Pytorch;

/// <summary>One storage of a checkpoint: the raw elements in the archive's <c>data/KEY</c> entry, which tensors view.</summary>
/// <param name="Key">The persistent id's key, the name of its entry under <c>data/</c>.</param>
/// <param name="Dtype">Element type.</param>
/// <param name="ElementCount">Elements the pickle says the storage holds; the unpickler keeps it below 2^56, so bytes fit a long.</param>
internal sealed record TorchStorage(string Key, TorchDtype Dtype, long ElementCount)
{
    /// <summary>Bytes the storage's entry must hold.</summary>
    public long ByteCount => ElementCount * Dtype.Size;
}
