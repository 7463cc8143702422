using System.Buffers;
using System.Text;

namespace Bert.Gpu.Cli.Input;

/// <summary>One line of an input file: its 1-based number, its text without the <c>\n</c>, and where it ends.</summary>
/// <param name="Number">1-based line number, for error messages.</param>
/// <param name="Text">The line's text; a <c>\r</c> before the <c>\n</c> is kept for the caller to strip (CSV keeps it inside quotes).</param>
/// <param name="End">Byte offset just past the line's <c>\n</c> (or the end of the input).</param>
internal readonly record struct InputLine(long Number, string Text, long End)
{
    /// <summary>The text without the <c>\r</c> of a <c>\r\n</c> ending.</summary>
    public string Content => Text.EndsWith('\r') ? Text[..^1] : Text;
}

/// <summary>
/// Reads UTF-8 lazily, line by line, from a stream that need not be seekable (a pipe, stdin), splitting on <c>\n</c>
/// bytes only: <see cref="File.ReadLines(string)"/> would also split on a lone <c>\r</c>, and decoding each line on
/// its own names the exact line of invalid UTF-8.
/// </summary>
internal static class Utf8Lines
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The lines of <paramref name="stream"/> (called <paramref name="name"/> in errors), read from where it stands.
    /// A final line without <c>\n</c> counts; an empty input has none; a UTF-8 byte order mark is skipped.
    /// </summary>
    public static IEnumerable<InputLine> Read(Stream stream, string name)
    {
        var buffer = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>();
        long number = 0, offset = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var from = 0;
            int newline;
            while ((newline = buffer.AsSpan(from, read - from).IndexOf((byte)'\n')) >= 0)
            {
                line.Write(buffer.AsSpan(from, newline));
                number++;
                from += newline + 1;
                yield return new InputLine(number, Decode(line.WrittenSpan, name, number), offset + from);
                line.ResetWrittenCount();
            }
            line.Write(buffer.AsSpan(from, read - from));
            offset += read;
        }
        if (line.WrittenCount > 0)
        {
            number++;
            yield return new InputLine(number, Decode(line.WrittenSpan, name, number), offset);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string name, long number)
    {
        if (number == 1 && bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CliException($"{name}:{number}: not valid UTF-8; convert the file to UTF-8.");
        }
    }
}
