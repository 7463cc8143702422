using System.Buffers.Binary;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// Decodes the parts of an ONNX <c>ModelProto</c> the importer needs (field numbers from onnx.proto):
/// ModelProto.graph = 7; GraphProto node = 1, initializer = 5; NodeProto input = 1, output = 2, name = 3,
/// op_type = 4, attribute = 5; AttributeProto name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8;
/// TensorProto dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9,
/// external_data = 13, data_location = 14. Everything else is skipped.
/// </summary>
internal static class OnnxModelParser
{
    /// <summary>Decodes the graph of the model in <paramref name="model"/>.</summary>
    /// <param name="model">The whole <c>.onnx</c> file.</param>
    /// <param name="source">File name for messages.</param>
    /// <exception cref="ModelFormatException">The bytes are not a well-formed ONNX model.</exception>
    public static OnnxGraph Parse(ReadOnlySpan<byte> model, string source)
    {
        var reader = new ProtoReader(model, 0, model.Length, source);
        OnnxGraph? graph = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 7 && wire == WireType.LengthDelimited)
            {
                var g = reader.ReadMessage();
                graph = ParseGraph(ref g, source);
            }
            else
                reader.Skip(wire);
        }
        return graph ?? throw new ModelFormatException(source, "the file holds no ONNX graph; it is not an ONNX model.");
    }

    private static OnnxGraph ParseGraph(ref ProtoReader reader, string source)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                var n = reader.ReadMessage();
                nodes.Add(ParseNode(ref n, source));
            }
            else if (field == 5 && wire == WireType.LengthDelimited)
            {
                var t = reader.ReadMessage();
                initializers.Add(ParseTensor(ref t, source));
            }
            else
                reader.Skip(wire);
        }
        return new OnnxGraph(nodes, initializers);
    }

    private static OnnxNode ParseNode(ref ProtoReader reader, string source)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        string name = "", opType = "";
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: inputs.Add(reader.ReadString()); break;
                case 2 when wire == WireType.LengthDelimited: outputs.Add(reader.ReadString()); break;
                case 3 when wire == WireType.LengthDelimited: name = reader.ReadString(); break;
                case 4 when wire == WireType.LengthDelimited: opType = reader.ReadString(); break;
                case 5 when wire == WireType.LengthDelimited:
                    var a = reader.ReadMessage();
                    var attribute = ParseAttribute(ref a, source);
                    attributes[attribute.Name] = attribute;
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxNode(opType, name, [.. inputs], [.. outputs], attributes);
    }

    private static OnnxAttribute ParseAttribute(ref ProtoReader reader, string source)
    {
        string name = "";
        float? f = null;
        long? i = null;
        string? s = null;
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireType.LengthDelimited: name = reader.ReadString(); break;
                case 2 when wire == WireType.Fixed32: f = reader.ReadFloat(); break;
                case 3 when wire == WireType.Varint: i = reader.ReadInt64(); break;
                case 4 when wire == WireType.LengthDelimited: s = reader.ReadString(); break;
                case 5 when wire == WireType.LengthDelimited:
                    var tr = reader.ReadMessage();
                    t = ParseTensor(ref tr, source);
                    break;
                case 7: reader.ReadFloats(wire, floats); break;
                case 8: reader.ReadInt64s(wire, ints); break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxAttribute(name, f, i, s, t, [.. floats], [.. ints]);
    }

    private static OnnxTensor ParseTensor(ref ProtoReader reader, string source)
    {
        var dims = new List<long>();
        var floatData = new List<float>();
        var int64Data = new List<long>();
        var int32Data = new List<long>();
        var dataType = 0;
        var name = "";
        var external = false;
        (int Start, int Length)? raw = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, dims); break;
                case 2 when wire == WireType.Varint: dataType = (int)reader.ReadInt64(); break;
                case 4: reader.ReadFloats(wire, floatData); break;
                case 5: reader.ReadInt64s(wire, int32Data); break;
                case 7: reader.ReadInt64s(wire, int64Data); break;
                case 8 when wire == WireType.LengthDelimited: name = reader.ReadString(); break;
                case 9 when wire == WireType.LengthDelimited: raw = reader.ReadLengthDelimited(); break;
                case 13 when wire == WireType.LengthDelimited: external = true; reader.Skip(wire); break;
                case 14 when wire == WireType.Varint: external |= reader.ReadInt64() == 1; break;
                default: reader.Skip(wire); break;
            }
        }

        var shape = new int[dims.Count];
        long count = 1;
        for (var d = 0; d < dims.Count; d++)
        {
            if (dims[d] < 0 || dims[d] > int.MaxValue)
                throw new ModelFormatException(source, $"tensor '{name}' has dimension {dims[d]}.");
            shape[d] = (int)dims[d];
            count *= dims[d];
            if (count > int.MaxValue)
                throw new ModelFormatException(source, $"tensor '{name}' has more than {int.MaxValue} elements; it is too large to load.");
        }
        if (external)
            return new OnnxTensor(name, shape, dataType, null, null, true);

        var n = (int)count;
        ReadOnlySpan<byte> rawBytes = raw is { } r ? reader.Bytes(r.Start, r.Length) : default;
        void CheckCount(int have, string field)
        {
            if (have != n)
                throw new ModelFormatException(source, $"tensor '{name}' ({OnnxDataType.Name(dataType)} {Text(shape)}) has {have} values in {field} but its shape needs {n}; the file is corrupt.");
        }
        void CheckRaw(ReadOnlySpan<byte> bytes, int size)
        {
            if (bytes.Length != (long)n * size)
                throw new ModelFormatException(source, $"tensor '{name}' ({OnnxDataType.Name(dataType)} {Text(shape)}) has {bytes.Length} bytes of raw data but needs {(long)n * size}; the file is corrupt.");
        }

        float[]? floats = null;
        long[]? integers = null;
        switch (dataType)
        {
            case OnnxDataType.Float when raw is not null:
                CheckRaw(rawBytes, 4);
                floats = FloatConversion.FromFloat32(rawBytes);
                break;
            case OnnxDataType.Float:
                CheckCount(floatData.Count, "float_data");
                floats = [.. floatData];
                break;
            case OnnxDataType.Float16 or OnnxDataType.BFloat16 when raw is not null:
                CheckRaw(rawBytes, 2);
                floats = dataType == OnnxDataType.Float16 ? FloatConversion.FromFloat16(rawBytes) : FloatConversion.FromBFloat16(rawBytes);
                break;
            case OnnxDataType.Float16 or OnnxDataType.BFloat16:
                CheckCount(int32Data.Count, "int32_data");
                var bits = int32Data.Select(v => (int)v).ToArray();
                floats = dataType == OnnxDataType.Float16 ? FloatConversion.FromFloat16Bits(bits) : FloatConversion.FromBFloat16Bits(bits);
                break;
            case OnnxDataType.Int64 when raw is not null:
                CheckRaw(rawBytes, 8);
                integers = new long[n];
                for (var k = 0; k < n; k++)
                    integers[k] = BinaryPrimitives.ReadInt64LittleEndian(rawBytes.Slice(8 * k, 8));
                break;
            case OnnxDataType.Int64:
                CheckCount(int64Data.Count, "int64_data");
                integers = [.. int64Data];
                break;
            case OnnxDataType.Int32 when raw is not null:
                CheckRaw(rawBytes, 4);
                integers = new long[n];
                for (var k = 0; k < n; k++)
                    integers[k] = BinaryPrimitives.ReadInt32LittleEndian(rawBytes.Slice(4 * k, 4));
                break;
            case OnnxDataType.Int32:
                CheckCount(int32Data.Count, "int32_data");
                integers = int32Data.Select(v => (long)(int)v).ToArray();
                break;
        }
        return new OnnxTensor(name, shape, dataType, floats, integers, false);
    }

    private static string Text(int[] shape) => $"[{string.Join(",", shape)}]";
}
