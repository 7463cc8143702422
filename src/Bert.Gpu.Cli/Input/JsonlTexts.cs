namespace Bert.Gpu.Cli.Input;

/// <summary>
/// JSON Lines: each line one JSON object whose string field <c>--text-field</c> is the text (or whose named fields make a record). A blank line is an error
/// (skipping it would shift every later embedding off its line), except blank lines at the very end of the file.
/// </summary>
internal static class JsonlTexts
{
    /// <summary>The texts of <paramref name="lines"/> (from an input called <paramref name="name"/> in errors).</summary>
    public static IEnumerable<InputText> Read(IEnumerable<InputLine> lines, string name, string field) =>
        Records(lines, name, [(field, "--text-field")]).Select(r => new InputText(r.Line, r.Fields[0], r.End));

    /// <summary>The values of <paramref name="fields"/> (each with the option that named it) on each line of <paramref name="lines"/>.</summary>
    public static IEnumerable<InputRecord> Records(IEnumerable<InputLine> lines, string name, IReadOnlyList<(string Field, string Option)> fields) =>
        NonBlank(lines, name).Select(line => new InputRecord(line.Number, JsonlFields.Read(line, name, fields), line.End));

    /// <summary>The lines that hold a record; a blank line before a later record is an error, blank lines at the end are not.</summary>
    public static IEnumerable<InputLine> NonBlank(IEnumerable<InputLine> lines, string name)
    {
        long firstBlank = 0;
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                if (firstBlank == 0)
                    firstBlank = line.Number;
                continue;
            }
            if (firstBlank != 0)
                throw new CliException($"{name}:{firstBlank}: blank line; each line must be one JSON object (remove the blank lines).");
            yield return line;
        }
    }
}
