using System.Buffers.Binary;
using System.Text;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// Reads one protobuf message in place: a window <c>[start, end)</c> of the whole file's bytes. Positions stay
/// absolute so raw tensor data can be located without copying, and every read is bounds-checked so a truncated
/// or corrupt file becomes a <see cref="ModelFormatException"/> naming the byte offset.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly string _source;
    private readonly int _end;
    private int _position;

    /// <summary>Reads the message occupying <c>[start, end)</c> of <paramref name="buffer"/>.</summary>
    public ProtoReader(ReadOnlySpan<byte> buffer, int start, int end, string source)
    {
        _buffer = buffer;
        _position = start;
        _end = end;
        _source = source;
    }

    /// <summary>True when the message has no more fields.</summary>
    public readonly bool AtEnd => _position >= _end;

    /// <summary>Reads the next field key; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wire)
    {
        field = 0;
        wire = WireType.Varint;
        if (AtEnd)
            return false;
        var key = ReadVarint();
        field = (int)(key >> 3);
        wire = (WireType)(key & 7);
        if (field == 0)
            throw Corrupt("field number 0");
        return true;
    }

    /// <summary>Reads a base-128 varint.</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (AtEnd)
                throw Truncated();
            var b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return result;
        }
        throw Corrupt("a varint longer than 10 bytes");
    }

    /// <summary>Reads an int64 / int32 / enum varint (negative numbers are ten-byte two's complement).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>Reads four little-endian bytes as an IEEE float.</summary>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>Reads a length-delimited field and returns its absolute byte range.</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_end - _position))
            throw Truncated();
        var start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    /// <summary>Reads an embedded message.</summary>
    public ProtoReader ReadMessage()
    {
        var (start, length) = ReadLengthDelimited();
        return new ProtoReader(_buffer, start, start + length, _source);
    }

    /// <summary>A view of the file at a range returned by <see cref="ReadLengthDelimited"/>, e.g. raw tensor data.</summary>
    public readonly ReadOnlySpan<byte> Bytes(int start, int length) => _buffer.Slice(start, length);

    /// <summary>Reads a UTF-8 string field.</summary>
    public string ReadString()
    {
        var (start, length) = ReadLengthDelimited();
        return Encoding.UTF8.GetString(_buffer.Slice(start, length));
    }

    /// <summary>Reads one element, or a packed run, of a repeated varint field.</summary>
    public void ReadInt64s(WireType wire, List<long> into)
    {
        if (wire == WireType.LengthDelimited)
        {
            var packed = ReadMessage();
            while (!packed.AtEnd)
                into.Add(packed.ReadInt64());
        }
        else if (wire == WireType.Varint)
            into.Add(ReadInt64());
        else
            throw Corrupt($"wire type {wire} for a repeated integer field");
    }

    /// <summary>Reads one element, or a packed run, of a repeated float field.</summary>
    public void ReadFloats(WireType wire, List<float> into)
    {
        if (wire == WireType.LengthDelimited)
        {
            var packed = ReadMessage();
            while (!packed.AtEnd)
                into.Add(packed.ReadFloat());
        }
        else if (wire == WireType.Fixed32)
            into.Add(ReadFloat());
        else
            throw Corrupt($"wire type {wire} for a repeated float field");
    }

    /// <summary>Skips a field this reader does not need.</summary>
    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8); break;
            case WireType.LengthDelimited: ReadLengthDelimited(); break;
            case WireType.Fixed32: Take(4); break;
            default: throw Corrupt($"wire type {(int)wire}");
        }
    }

    /// <summary>An error for a value that violates the ONNX schema, located at the current position.</summary>
    public readonly ModelFormatException Corrupt(string what) =>
        new(_source, $"the ONNX protobuf is corrupt: {what} at byte {_position}. Re-export or download the model again.");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_end - _position < count)
            throw Truncated();
        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly ModelFormatException Truncated() =>
        new(_source, $"the ONNX protobuf is truncated: a field at byte {_position} runs past the end of its message (byte {_end}). The file is incomplete or corrupt; download it again.");
}
