using System.Text;
using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>
/// The CLI's readers of plain lines, JSON Lines (field <c>text</c>) and CSV (column <c>text</c>) on any bytes. Each input is
/// read twice, in one block and trickled a few bytes per read, and both reads must agree; a reader may fail only with
/// <see cref="CliException"/>.
/// </summary>
internal static class InputReaderTargets
{
    private const string Field = "text";

    public static FuzzTarget Lines { get; } = new("lines",
        "bytes -> Utf8Lines: numbered 1..n, ends increasing to the input's length, the text rebuilt exactly; only CliException",
        input => Compare(input, "fuzz.txt", lines => CheckLines(input, lines)));

    public static FuzzTarget Jsonl { get; } = new("jsonl",
        "bytes -> JsonlTexts (field \"text\"): lines and ends increasing within the input; only CliException",
        input => Compare(input, "fuzz.jsonl", lines => Texts(JsonlTexts.Read(lines, "fuzz.jsonl", Field), input.Length)));

    public static FuzzTarget Csv { get; } = new("csv",
        "bytes -> CsvTexts (column \"text\"): lines and ends increasing within the input; only CliException",
        input => Compare(input, "fuzz.csv", lines => Texts(CsvTexts.Open(lines, "fuzz.csv", Field), input.Length)));

    /// <summary>Reads <paramref name="input"/> whole and trickled; the two must give the same texts or the same error.</summary>
    private static void Compare(byte[] input, string name, Func<IEnumerable<InputLine>, List<string>> read)
    {
        // 1..7 bytes a read, picked by the input so that afl can vary it.
        var chunk = 1 + input.Length % 7;
        var whole = Outcome(() => read(Utf8Lines.Read(new MemoryStream(input), name)));
        var trickled = Outcome(() => read(Utf8Lines.Read(new TrickleStream(input, chunk), name)));
        PropertyViolation.Check(whole.SequenceEqual(trickled), $"reading {chunk} bytes at a time gave another result than reading the input whole");
    }

    private static List<string> Outcome(Func<List<string>> read)
    {
        try
        {
            return read();
        }
        catch (CliException e)
        {
            Expected.Rejections?.Add(e.Message);
            return ["error: " + e.Message];
        }
    }

    private static List<string> Texts(IEnumerable<InputText> texts, int inputLength)
    {
        var result = new List<string>();
        long line = 0, end = 0;
        foreach (var text in texts)
        {
            PropertyViolation.Check(text.Line > line && text.End > end && text.End <= inputLength,
                $"text at line {text.Line} ending at byte {text.End} follows line {line} ending at {end} (input {inputLength} bytes)");
            (line, end) = (text.Line, text.End);
            result.Add($"{text.Line}:{text.End}:{text.Text}");
        }
        return result;
    }

    private static List<string> CheckLines(byte[] input, IEnumerable<InputLine> lines)
    {
        var result = new List<string>();
        var rebuilt = new StringBuilder();
        long end = 0;
        foreach (var line in lines)
        {
            PropertyViolation.Check(line.Number == result.Count + 1, $"line {line.Number} follows line {result.Count}");
            PropertyViolation.Check(line.End > end && line.End <= input.Length, $"line {line.Number} ends at byte {line.End}, after {end} (input {input.Length} bytes)");
            PropertyViolation.Check(!line.Text.Contains('\n'), $"line {line.Number} holds a \\n");
            PropertyViolation.Check(line.End == input.Length || input[line.End - 1] == '\n', $"line {line.Number} ends at byte {line.End}, which is not just past a \\n");
            end = line.End;
            if (result.Count > 0)
                rebuilt.Append('\n');
            rebuilt.Append(line.Text);
            result.Add($"{line.Number}:{line.End}:{line.Text}");
        }
        PropertyViolation.Check(end == input.Length, $"the lines end at byte {end} of {input.Length}");
        // Every line read means the whole input was valid UTF-8: the lines joined by \n are that text, BOM aside.
        var bytes = input.AsSpan(input.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? 3 : 0);
        if (bytes.EndsWith("\n"u8))
            rebuilt.Append('\n');
        PropertyViolation.Check(rebuilt.ToString() == Encoding.UTF8.GetString(bytes), "the lines joined by \\n are not the input's text");
        return result;
    }
}
