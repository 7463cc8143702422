using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Bert.Gpu.Weights;

/// <summary>Widening of little-endian fp32 / fp16 / bf16 bytes to fp32, the only precision the host model holds.</summary>
internal static class FloatConversion
{
    /// <summary>Copies little-endian fp32 values.</summary>
    public static float[] FromFloat32(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 4];
        // A byte copy (not a reinterpreting cast) so unaligned tensor data inside a mapped file is fine;
        // .NET only runs on little-endian hosts, so the bytes are already in native order.
        bytes[..(values.Length * 4)].CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Widens little-endian IEEE half-precision values.</summary>
    public static float[] FromFloat16(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(2 * i, 2));
        return values;
    }

    /// <summary>Widens little-endian bfloat16 values: they are the top 16 bits of an fp32.</summary>
    public static float[] FromBFloat16(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
            values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * i, 2)) << 16);
        return values;
    }

    /// <summary>Widens fp16 values that ONNX stores one per int32 element (low 16 bits).</summary>
    public static float[] FromFloat16Bits(IReadOnlyList<int> bits)
    {
        var values = new float[bits.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)BitConverter.UInt16BitsToHalf((ushort)bits[i]);
        return values;
    }

    /// <summary>Widens bf16 values that ONNX stores one per int32 element (low 16 bits).</summary>
    public static float[] FromBFloat16Bits(IReadOnlyList<int> bits)
    {
        var values = new float[bits.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = BitConverter.Int32BitsToSingle((bits[i] & 0xFFFF) << 16);
        return values;
    }
}
