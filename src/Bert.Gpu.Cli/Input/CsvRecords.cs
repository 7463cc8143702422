using System.Text;

namespace Bert.Gpu.Cli.Input;

/// <summary>One CSV record: the line it starts on (1-based), its fields unquoted, and the byte offset just past it.</summary>
internal sealed record CsvRecord(long Line, IReadOnlyList<string> Fields, long End);

/// <summary>
/// RFC 4180 records, read lazily: comma-separated, a field in double quotes may hold commas, line breaks (kept as
/// written, <c>\r\n</c> or <c>\n</c>) and quotes written twice. Two leniencies, as Python's csv module has them: a quote
/// inside an unquoted field is taken literally, and blank lines between records are skipped (so a lone empty field
/// has to be written <c>""</c>).
/// </summary>
internal static class CsvRecords
{
    /// <summary>The records of <paramref name="lines"/> (from an input called <paramref name="name"/> in errors).</summary>
    public static IEnumerable<CsvRecord> Read(IEnumerable<InputLine> lines, string name)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        long start = 0;
        var inQuotes = false;
        foreach (var line in lines)
        {
            if (!inQuotes)
            {
                if (line.Content.Length == 0)
                    continue;
                start = line.Number;
            }
            var text = line.Text;
            var fieldStart = !inQuotes;
            var afterQuote = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (inQuotes)
                {
                    if (c != '"')
                        field.Append(c);
                    else if (i + 1 < text.Length && text[i + 1] == '"')
                        field.Append(text[++i]);
                    else
                        (inQuotes, afterQuote) = (false, true);
                    continue;
                }
                if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    (fieldStart, afterQuote) = (true, false);
                }
                else if (c == '\r' && i == text.Length - 1)
                {
                    // the \r of a \r\n ending, outside quotes
                }
                else if (afterQuote)
                {
                    throw new CliException($"{name}:{line.Number}: '{c}' after the closing quote of a field; write a quote inside a quoted field as \"\".");
                }
                else if (c == '"' && fieldStart)
                {
                    inQuotes = true;
                    fieldStart = false;
                }
                else
                {
                    field.Append(c);
                    fieldStart = false;
                }
            }
            if (inQuotes)
            {
                field.Append('\n');
                continue;
            }
            fields.Add(field.ToString());
            field.Clear();
            yield return new CsvRecord(start, fields.ToArray(), line.End);
            fields.Clear();
        }
        if (inQuotes)
            throw new CliException($"{name}:{start}: a quoted field is never closed; add the closing \".");
    }
}
