namespace Bert.Gpu.Cli.Input;

/// <summary>CSV with a header row; the text of each record is its <c>--text-column</c> field.</summary>
internal static class CsvTexts
{
    /// <summary>Reads the header now, so a missing column is reported before any work starts.</summary>
    public static void RequireColumn(string path, string name, string column)
    {
        using var records = CsvRecords.Read(path, name).GetEnumerator();
        ColumnIndex(records, name, column);
    }

    public static IEnumerable<string> Read(string path, string name, string column)
    {
        using var records = CsvRecords.Read(path, name).GetEnumerator();
        var (index, width) = ColumnIndex(records, name, column);
        while (records.MoveNext())
        {
            var record = records.Current;
            if (record.Fields.Count != width)
                throw new CliException($"{name}:{record.Line}: {record.Fields.Count} fields, but the header has {width}; quote fields that hold commas.");
            yield return record.Fields[index];
        }
    }

    private static (int Index, int Width) ColumnIndex(IEnumerator<CsvRecord> records, string name, string column)
    {
        if (!records.MoveNext())
            throw new CliException($"{name}: empty; a CSV input needs a header row naming its columns.");
        var header = records.Current;
        var index = -1;
        for (var i = 0; i < header.Fields.Count; i++)
        {
            if (header.Fields[i] != column)
                continue;
            if (index >= 0)
                throw new CliException($"{name}:{header.Line}: column \"{column}\" appears twice in the header; rename one.");
            index = i;
        }
        if (index < 0)
            throw new CliException($"{name}:{header.Line}: no column \"{column}\" in the header ({string.Join(", ", header.Fields)}); check --text-column.");
        return (index, header.Fields.Count);
    }
}
