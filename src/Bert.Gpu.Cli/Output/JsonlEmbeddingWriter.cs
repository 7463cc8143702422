using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Output;

/// <summary>One <c>{"embedding":[…]}</c> object per line; floats in their shortest round-trip form.</summary>
internal sealed class JsonlEmbeddingWriter(Stream stream, int width) : IEmbeddingWriter
{
    /// <summary>Far more than a line of the widest embedding takes (4,096 floats × 16 bytes); a longer line is not one of ours.</summary>
    private const int MaxLineBytes = 1 << 24;

    private readonly StreamWriter _writer = new(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };

    public long Rows { get; private set; }

    /// <summary>The complete (<c>\n</c>-terminated) lines of the partial file in <paramref name="stream"/>; a torn last line does not count.</summary>
    public static long CountRows(Stream stream)
    {
        long lines = 0;
        var buffer = new byte[1 << 16];
        stream.Position = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        return lines;
    }

    /// <summary>
    /// Continues the partial file in <paramref name="stream"/> (called <paramref name="name"/> in errors) after its
    /// first <paramref name="rows"/> lines (at most <see cref="CountRows"/>): every one of them must be an embedding of
    /// <paramref name="width"/> numbers as this writer writes it (a damaged row anywhere is refused, naming its line);
    /// they are read back into <paramref name="hash"/>, whatever follows is cut, and writing goes on at the end.
    /// </summary>
    public static JsonlEmbeddingWriter Resume(Stream stream, int width, string name, long rows, RunningHash hash)
    {
        var row = new float[width];
        var line = new ArrayBufferWriter<byte>();
        var buffer = new byte[1 << 16];
        long done = 0, end = 0;
        stream.Position = 0;
        int read;
        while (done < rows && (read = stream.Read(buffer)) > 0)
        {
            var from = 0;
            int next;
            while (done < rows && (next = buffer.AsSpan(from, read - from).IndexOf((byte)'\n')) >= 0)
            {
                line.Write(buffer.AsSpan(from, next));
                ParseRow(line.WrittenSpan, row, name, done + 1);
                hash.AppendRows(row);
                end += line.WrittenCount + 1;
                line.ResetWrittenCount();
                done++;
                from += next + 1;
            }
            if (done < rows)
            {
                line.Write(buffer.AsSpan(from, read - from));
                if (line.WrittenCount > MaxLineBytes)
                    throw NotOurs(name, done + 1);
            }
        }
        if (done < rows)
            throw new CliException($"{name}: holds {done} whole rows, fewer than the {rows} expected; delete it, or pass --overwrite to start over.");
        stream.SetLength(end);
        stream.Position = end;
        return new JsonlEmbeddingWriter(stream, width) { Rows = rows };
    }

    public void Write(ReadOnlyMemory<float> memory)
    {
        var rows = memory.Span;
        for (var r = 0; r < rows.Length / width; r++)
        {
            _writer.Write("{\"embedding\":[");
            var row = rows.Slice(r * width, width);
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0)
                    _writer.Write(',');
                _writer.Write(row[i].ToString("R", CultureInfo.InvariantCulture));
            }
            _writer.WriteLine("]}");
        }
        _writer.Flush();
        Rows += rows.Length / width;
    }

    public void Complete() => _writer.Flush();

    /// <summary>Exactly <c>{"embedding":[n, …]}</c> with <paramref name="row"/>'s length of finite numbers, else an error naming the line.</summary>
    private static void ParseRow(ReadOnlySpan<byte> text, float[] row, string name, long lineNumber)
    {
        var reader = new Utf8JsonReader(text);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject
                || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("embedding"u8)
                || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                throw NotOurs(name, lineNumber);
            var count = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (count == row.Length)
                    throw WrongWidth(name, lineNumber, row.Length);
                if (!reader.TryGetSingle(out var value) || !float.IsFinite(value))
                    throw NotOurs(name, lineNumber);
                row[count++] = value;
            }
            if (reader.TokenType != JsonTokenType.EndArray || !reader.Read() || reader.TokenType != JsonTokenType.EndObject || reader.Read())
                throw NotOurs(name, lineNumber);
            if (count != row.Length)
                throw WrongWidth(name, lineNumber, row.Length);
        }
        catch (JsonException)
        {
            throw NotOurs(name, lineNumber);
        }
    }

    private static CliException NotOurs(string name, long line) =>
        new($"{name}:{line}: not an embedding row of this tool (the partial file is damaged); delete it, or pass --overwrite to start over.");

    private static CliException WrongWidth(string name, long line, int width) =>
        new($"{name}:{line}: holds a row of another width than this run's {width}; delete it, or pass --overwrite to start over.");
}
