namespace Bert.Gpu.Cli.Input;

/// <summary>Opens an input file as the sequence of texts to embed, in file order, read lazily.</summary>
internal static class TextSources
{
    /// <summary>
    /// Chooses the format by extension: <c>.jsonl</c>/<c>.ndjson</c> need <paramref name="textField"/>, <c>.csv</c>
    /// needs <paramref name="textColumn"/>, anything else is plain text, one text per line. Option mistakes, a missing
    /// file and a CSV header without the column are reported now; errors in the records as they are read.
    /// </summary>
    public static IEnumerable<string> Open(string path, string? textField, string? textColumn)
    {
        var name = path;
        if (!File.Exists(path))
            throw new CliException($"{name}: no such input file.");
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".jsonl" or ".ndjson":
                if (textColumn is not null)
                    throw new CliException($"{name}: --text-column is for .csv input; name the JSON field with --text-field.");
                if (textField is null)
                    throw new CliException($"{name}: JSON Lines input needs --text-field NAME, the string field that holds the text.");
                return JsonlTexts.Read(path, name, textField);
            case ".csv":
                if (textField is not null)
                    throw new CliException($"{name}: --text-field is for .jsonl/.ndjson input; name the CSV column with --text-column.");
                if (textColumn is null)
                    throw new CliException($"{name}: CSV input needs --text-column NAME, the header of the column that holds the text.");
                CsvTexts.RequireColumn(path, name, textColumn);
                return CsvTexts.Read(path, name, textColumn);
            default:
                if (textField is not null || textColumn is not null)
                    throw new CliException($"{name}: plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv.");
                return Utf8Lines.Read(path, name).Select(line => line.Content);
        }
    }
}
