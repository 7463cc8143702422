using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;
using CsCheck;

namespace Bert.Gpu.Tests.Properties;

/// <summary>
/// Round trips through the CLI's input readers: texts written as a proper writer writes them (System.Text.Json,
/// RFC 4180 quoting, one per line) read back equal, with the line each starts on and the byte offset past it; and
/// arbitrary bytes are read or refused with a <see cref="CliException"/>, nothing else.
/// </summary>
public sealed class InputReaderProperties
{
    // 500 random files each (1,500 byte strings): about a second for the four properties on 2 cores.
    private const int Iterations = 500;

    private static readonly JsonSerializerOptions RawUtf8 = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void JsonlWrittenBySystemTextJson_ReadsBackEqual()
    {
        Gen.Select(TextGen.Unicode().List[0, 8], Gen.Bool, Gen.Bool, Gen.Bool).Sample((texts, crlf, escapeAll, finalNewline) =>
        {
            // The default encoder escapes everything outside ASCII as \uXXXX; the relaxed one writes raw UTF-8.
            var lines = texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t }, escapeAll ? JsonSerializerOptions.Default : RawUtf8));
            var file = Join(lines, crlf ? "\r\n" : "\n", finalNewline);
            var read = JsonlTexts.Read(Utf8Lines.Read(new MemoryStream(file), "in.jsonl"), "in.jsonl", "text").ToList();
            Assert.Equal(texts, read.Select(t => t.Text));
            Assert.Equal(Enumerable.Range(1, texts.Count).Select(n => (long)n), read.Select(t => t.Line));
            Assert.Equal(LineEnds(file).Take(texts.Count), read.Select(t => t.End));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void CsvWrittenWithRfc4180Quoting_ReadsBackEqual()
    {
        Gen.Select(TextGen.Unicode().List[0, 8], Gen.Bool, Gen.Bool).Sample((texts, crlf, quoteAll) =>
        {
            var newline = crlf ? "\r\n" : "\n";
            var records = texts.Select((t, i) => $"{i},{Quote(t, quoteAll)},x");
            var file = Join(records.Prepend("id,text,label"), newline, finalNewline: true);
            var read = CsvTexts.Open(Utf8Lines.Read(new MemoryStream(file), "in.csv"), "in.csv", "text").ToList();
            Assert.Equal(texts, read.Select(t => t.Text));
            // A record starts on the line after the previous one ends; a quoted line break moves every later record down.
            var starts = new List<long>();
            long line = 2;
            foreach (var t in texts)
            {
                starts.Add(line);
                line += 1 + t.Count(c => c == '\n');
            }
            Assert.Equal(starts, read.Select(t => t.Line));
            Assert.Equal(file.Length, read.Count == 0 ? file.Length : read[^1].End);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void TextsWithoutNewlines_ReadBackAsTheirLines()
    {
        var text = TextGen.Unicode().Select(t => t.Replace("\n", "").TrimEnd('\r'));
        Gen.Select(text.List[0, 10], Gen.Bool, Gen.Bool, Gen.Bool).Sample((texts, crlf, bom, finalNewline) =>
        {
            // A text starting with U+FEFF would be the byte order mark on line 1, which the reader skips; an empty last
            // text needs its newline, or the file just ends a line earlier.
            if (texts.Count > 0 && texts[0].StartsWith('\ufeff'))
                texts[0] = "x" + texts[0];
            var newline = crlf ? "\r\n" : "\n";
            var text = string.Join(newline, texts) + (texts.Count > 0 && (finalNewline || texts[^1].Length == 0) ? newline : "");
            // A byte order mark alone would still make one (empty) line, so it goes only before some text.
            byte[] file = [.. bom && texts.Count > 0 ? Encoding.UTF8.Preamble : [], .. Encoding.UTF8.GetBytes(text)];
            var lines = Utf8Lines.Read(new MemoryStream(file), "in.txt").ToList();
            Assert.Equal(texts, lines.Select(l => l.Content));
            Assert.Equal(Enumerable.Range(1, texts.Count).Select(n => (long)n), lines.Select(l => l.Number));
            Assert.Equal(LineEnds(file), lines.Select(l => l.End));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void ArbitraryBytes_AreReadOrRefusedWithACliException()
    {
        TextGen.StructuredBytes().Sample(bytes =>
        {
            ReadOrRefuse(() => Utf8Lines.Read(new MemoryStream(bytes), "in.txt").Count());
            ReadOrRefuse(() => JsonlTexts.Read(Utf8Lines.Read(new MemoryStream(bytes), "in.jsonl"), "in.jsonl", "text").Count());
            ReadOrRefuse(() => CsvTexts.Open(Utf8Lines.Read(new MemoryStream(bytes), "in.csv"), "in.csv", "text").Count());
        }, iter: Iterations * 3, threads: 1);
    }

    private static void ReadOrRefuse(Func<int> read)
    {
        try
        {
            read();
        }
        catch (CliException)
        {
            // the documented refusal
        }
    }

    /// <summary>RFC 4180: a field holding a comma, a quote or a line break (or, for this reader, nothing) is quoted, its quotes doubled.</summary>
    private static string Quote(string field, bool always) =>
        always || field.Length == 0 || field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"")}\"" : field;

    private static byte[] Join(IEnumerable<string> lines, string newline, bool finalNewline)
    {
        var text = string.Join(newline, lines);
        return Encoding.UTF8.GetBytes(finalNewline && text.Length > 0 ? text + newline : text);
    }

    /// <summary>The byte offsets just past each \n, and the end of a last line without one.</summary>
    private static IEnumerable<long> LineEnds(byte[] file)
    {
        for (var i = 0; i < file.Length; i++)
            if (file[i] == '\n')
                yield return i + 1;
        if (file.Length > 0 && file[^1] != '\n')
            yield return file.Length;
    }
}
