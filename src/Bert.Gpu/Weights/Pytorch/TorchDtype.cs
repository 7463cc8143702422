namespace Bert.Gpu.Weights.Pytorch;

/// <summary>The element type of a torch storage, named by the storage class a <c>torch.save</c> pickle refers to.</summary>
/// <param name="Name">The safetensors code of the same type (<c>F32</c>, <c>I64</c>, …), so messages read alike for both formats.</param>
/// <param name="Size">Bytes per element.</param>
/// <param name="IsFloat">True for the types this loader widens to fp32: F32, F16 and BF16.</param>
internal sealed record TorchDtype(string Name, int Size, bool IsFloat)
{
    // The typed storage classes torch.save names in its persistent ids (torch/storage.py's _LegacyStorage subclasses).
    // Complex and quantized storages are left out: a BERT state dict never holds them, so the unpickler refuses them
    // like any other unknown global.
    private static readonly Dictionary<string, TorchDtype> ByStorageClass = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = new("F32", 4, true),
        ["HalfStorage"] = new("F16", 2, true),
        ["BFloat16Storage"] = new("BF16", 2, true),
        ["DoubleStorage"] = new("F64", 8, false),
        ["LongStorage"] = new("I64", 8, false),
        ["IntStorage"] = new("I32", 4, false),
        ["ShortStorage"] = new("I16", 2, false),
        ["CharStorage"] = new("I8", 1, false),
        ["ByteStorage"] = new("U8", 1, false),
        ["BoolStorage"] = new("BOOL", 1, false),
    };

    /// <summary>The type of <c>torch.<paramref name="storageClass"/></c>, or null for a class that is not a storage type.</summary>
    public static TorchDtype? FromStorageClass(string storageClass) => ByStorageClass.GetValueOrDefault(storageClass);
}
