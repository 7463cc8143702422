namespace Bert.Gpu.Weights.Onnx;

/// <summary>Protobuf wire types, the low three bits of a field key.</summary>
internal enum WireType
{
    /// <summary>Base-128 varint (int32, int64, enum, bool).</summary>
    Varint = 0,

    /// <summary>Eight little-endian bytes (double, fixed64).</summary>
    Fixed64 = 1,

    /// <summary>Varint length then bytes (string, bytes, message, packed repeated).</summary>
    LengthDelimited = 2,

    /// <summary>Deprecated group start; not used by ONNX.</summary>
    StartGroup = 3,

    /// <summary>Deprecated group end; not used by ONNX.</summary>
    EndGroup = 4,

    /// <summary>Four little-endian bytes (float, fixed32).</summary>
    Fixed32 = 5,
}
