using System.Buffers.Binary;
using System.Text;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// NumPy <c>.npy</c> v1.0, little-endian float32 <c>[rows, width]</c>. The row count is unknown while streaming, so
/// the header is written with room for any count and rewritten with the real one by <see cref="Complete"/>.
/// </summary>
internal sealed class NpyWriter(Stream stream, int width) : IEmbeddingWriter
{
    /// <summary>Magic, version, header length and the padded header: a multiple of 64 bytes as NumPy recommends.</summary>
    private const int HeaderBytes = 128;

    private long _rows;
    private bool _started;

    public void Write(ReadOnlySpan<float> rows)
    {
        if (!_started)
        {
            WriteHeader();
            _started = true;
        }
        Span<byte> buffer = stackalloc byte[4];
        foreach (var v in rows)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
            stream.Write(buffer);
        }
        _rows += rows.Length / width;
    }

    public void Complete()
    {
        var end = stream.Position;
        WriteHeader();
        stream.Position = Math.Max(end, HeaderBytes);
    }

    private void WriteHeader()
    {
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({_rows}, {width}), }}";
        var header = new byte[HeaderBytes];
        header[0] = 0x93; // the magic's first byte is not ASCII, so not part of the literal below
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), HeaderBytes - 10);
        var text = Encoding.ASCII.GetBytes(dict.PadRight(HeaderBytes - 10 - 1) + "\n");
        text.CopyTo(header, 10);
        stream.Position = 0;
        stream.Write(header);
    }
}
