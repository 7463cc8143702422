using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Bert.Gpu.Cli.Output;

/// <summary>One <c>{"embedding":[…]}</c> object per line; floats in their shortest round-trip form.</summary>
internal sealed class JsonlEmbeddingWriter(Stream stream, int width) : IEmbeddingWriter
{
    /// <summary>Far more than a line of the widest embedding takes; a longer line is not one of ours.</summary>
    private const int MaxLineBytes = 1 << 24;

    private readonly StreamWriter _writer = new(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };

    public long Rows { get; private set; }

    /// <summary>
    /// Continues the partial file in <paramref name="stream"/> (called <paramref name="name"/> in errors): counts its
    /// complete lines, cuts off a torn last line and moves to the end. The first and last lines are checked to be
    /// embeddings of <paramref name="width"/>; parsing every line would cost a resume as long as the file is big.
    /// </summary>
    public static JsonlEmbeddingWriter Resume(Stream stream, int width, string name)
    {
        long lines = 0, firstEnd = 0, lastStart = 0, end = 0;
        var buffer = new byte[1 << 16];
        stream.Position = 0;
        int read;
        for (long offset = 0; (read = stream.Read(buffer)) > 0; offset += read)
        {
            int next;
            for (var from = 0; (next = buffer.AsSpan(from, read - from).IndexOf((byte)'\n')) >= 0; from += next + 1)
            {
                if (lines++ == 0)
                    firstEnd = offset + from + next;
                lastStart = end;
                end = offset + from + next + 1;
            }
        }
        if (lines > 0)
        {
            CheckLine(stream, 0, firstEnd, width, name);
            CheckLine(stream, lastStart, end - 1, width, name);
        }
        stream.SetLength(end);
        stream.Position = end;
        return new JsonlEmbeddingWriter(stream, width) { Rows = lines };
    }

    public void Write(ReadOnlySpan<float> rows)
    {
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

    private static void CheckLine(Stream stream, long start, long end, int width, string name)
    {
        if (end - start > MaxLineBytes)
            throw new CliException($"{name}: not a partial .jsonl file of this tool; delete it or drop --resume.");
        var bytes = new byte[end - start];
        stream.Position = start;
        stream.ReadExactly(bytes);
        int found;
        try
        {
            using var line = JsonDocument.Parse(bytes);
            var embedding = line.RootElement.GetProperty("embedding");
            found = embedding.GetArrayLength();
            if (embedding.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                throw new JsonException();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new CliException($"{name}: not a partial .jsonl file of this tool; delete it or drop --resume.");
        }
        if (found != width)
            throw new CliException($"{name}: holds rows of width {found}, this run's are {width}; delete it or drop --resume.");
    }
}
