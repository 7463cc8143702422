using System.Buffers.Binary;
using System.Text;

namespace Bert.Gpu.Tests.Weights;

/// <summary>Writes protobuf wire format, so tests can hand-build ONNX files independently of the reader under test.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _bytes = new();

    public ProtoWriter Varint(int field, long value)
    {
        Key(field, 0);
        Raw((ulong)value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Key(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        Raw((ulong)value.Length);
        _bytes.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter PackedVarints(int field, IEnumerable<long> values)
    {
        var packed = new ProtoWriter();
        foreach (var v in values)
            packed.Raw((ulong)v);
        return Bytes(field, packed.ToArray());
    }

    public ProtoWriter PackedFloats(int field, IEnumerable<float> values)
    {
        var packed = new List<byte>();
        foreach (var v in values)
            packed.AddRange(BitConverter.GetBytes(v));
        return Bytes(field, packed.ToArray());
    }

    public byte[] ToArray() => _bytes.ToArray();

    private void Key(int field, int wire) => Raw((ulong)(field << 3 | wire));

    private void Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.WriteByte((byte)value);
    }
}
