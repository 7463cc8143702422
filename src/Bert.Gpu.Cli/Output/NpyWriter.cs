using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// NumPy <c>.npy</c> v1.0, little-endian float32 <c>[rows, width]</c>. The row count is unknown while streaming, so
/// the header is written with room for any count and rewritten with the real one by <see cref="Complete"/>; until
/// then the file's length is what counts its rows, which is what <see cref="CountRows"/> reads.
/// </summary>
internal sealed partial class NpyWriter(Stream stream, int width) : IEmbeddingWriter
{
    /// <summary>Magic, version, header length and the padded header: a multiple of 64 bytes as NumPy recommends.</summary>
    public const int HeaderBytes = 128;

    private long _rows;
    private bool _started;

    public long Rows => _rows;

    /// <summary>
    /// The whole rows in the partial file in <paramref name="stream"/> (called <paramref name="name"/> in errors),
    /// after checking it is this writer's float32 rows of <paramref name="width"/>; a torn last row does not count,
    /// and a file shorter than the header holds none.
    /// </summary>
    public static long CountRows(Stream stream, int width, string name)
    {
        if (stream.Length < HeaderBytes)
            return 0;
        var header = new byte[HeaderBytes];
        stream.Position = 0;
        stream.ReadExactly(header);
        var dict = Encoding.ASCII.GetString(header, 10, HeaderBytes - 10);
        var shape = Shape().Match(dict);
        var ours = header[0] == 0x93 && header.AsSpan(1, 5).SequenceEqual("NUMPY"u8) && header[6] == 1 && header[7] == 0
            && BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)) == HeaderBytes - 10 && shape.Success;
        if (!ours)
            throw new CliException($"{name}: not a partial output of this tool (its float32 rows in .npy layout); delete it, or pass --overwrite to start over.");
        if (shape.Groups[1].Value != width.ToString(CultureInfo.InvariantCulture))
            throw new CliException($"{name}: holds rows of width {shape.Groups[1].Value}, this run's are {width}; delete it, or pass --overwrite to start over.");
        return (stream.Length - HeaderBytes) / (4L * width);
    }

    /// <summary>
    /// Continues the partial file after its first <paramref name="rows"/> rows (at most <see cref="CountRows"/>): reads
    /// them back into <paramref name="hash"/>, cuts whatever follows and moves to the end.
    /// </summary>
    public static NpyWriter Resume(Stream stream, int width, long rows, RunningHash hash)
    {
        if (rows == 0)
        {
            stream.SetLength(0);
            return new NpyWriter(stream, width);
        }
        var row = new float[width];
        var bytes = new byte[4 * width];
        stream.Position = HeaderBytes;
        for (long r = 0; r < rows; r++)
        {
            stream.ReadExactly(bytes);
            for (var i = 0; i < width; i++)
                row[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
            hash.AppendRows(row);
        }
        stream.SetLength(HeaderBytes + rows * 4L * width);
        stream.Position = stream.Length;
        return new NpyWriter(stream, width) { _rows = rows, _started = true };
    }

    public void Write(ReadOnlyMemory<float> memory)
    {
        var rows = memory.Span;
        if (!_started)
        {
            WriteHeader();
            _started = true;
        }
        var count = rows.Length / width;
        Span<byte> block = stackalloc byte[4096];
        while (!rows.IsEmpty)
        {
            var n = Math.Min(rows.Length, block.Length / 4);
            for (var i = 0; i < n; i++)
                BinaryPrimitives.WriteSingleLittleEndian(block[(4 * i)..], rows[i]);
            stream.Write(block[..(4 * n)]);
            rows = rows[n..];
        }
        stream.Flush();
        _rows += count;
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

    /// <summary>The header this writer writes, any row count: the width is the group.</summary>
    [GeneratedRegex(@"^\{'descr': '<f4', 'fortran_order': False, 'shape': \(\d+, (\d+)\), \} *\n$")]
    private static partial Regex Shape();
}
