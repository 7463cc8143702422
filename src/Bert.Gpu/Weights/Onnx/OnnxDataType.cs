namespace Bert.Gpu.Weights.Onnx;

/// <summary>The <c>TensorProto.DataType</c> codes this importer reads, and names for the rest in messages.</summary>
internal static class OnnxDataType
{
    /// <summary>IEEE fp32.</summary>
    public const int Float = 1;

    /// <summary>Signed 32-bit integer.</summary>
    public const int Int32 = 6;

    /// <summary>Signed 64-bit integer.</summary>
    public const int Int64 = 7;

    /// <summary>IEEE fp16.</summary>
    public const int Float16 = 10;

    /// <summary>bfloat16.</summary>
    public const int BFloat16 = 16;

    private static readonly string[] Names =
    [
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
        "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
    ];

    /// <summary>The ONNX name of <paramref name="code"/>, e.g. <c>FLOAT16</c>.</summary>
    public static string Name(int code) => code >= 0 && code < Names.Length ? Names[code] : $"data type {code}";
}
