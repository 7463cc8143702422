namespace Bert.Gpu.Weights.Safetensors;

/// <summary>Element sizes of the safetensors dtype codes, so every entry's byte range can be checked even when it is never read.</summary>
internal static class SafetensorsDtypes
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["U16"] = 2, ["I16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["U32"] = 4, ["I32"] = 4, ["F32"] = 4,
        ["U64"] = 8, ["I64"] = 8, ["F64"] = 8,
    };

    /// <summary>True for the dtypes this loader widens to fp32.</summary>
    public static bool IsFloat(string dtype) => dtype is "F32" or "F16" or "BF16";

    /// <summary>Bytes per element, or null for a code this table does not know.</summary>
    public static int? ElementSize(string dtype) => Sizes.TryGetValue(dtype, out var size) ? size : null;
}
