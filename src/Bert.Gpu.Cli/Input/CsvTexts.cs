namespace Bert.Gpu.Cli.Input;

/// <summary>CSV with a header row; the text of each record is its <c>--text-column</c> field.</summary>
internal static class CsvTexts
{
    /// <summary>
    /// Reads the header now, so a missing column is reported before any work starts (and a pipe is read once);
    /// the records after it are read as the result is enumerated.
    /// </summary>
    public static IEnumerable<InputText> Open(IEnumerable<InputLine> lines, string name, string column)
    {
        var records = CsvRecords.Read(lines, name).GetEnumerator();
        try
        {
            var (index, width) = ColumnIndex(records, name, column);
            return Rest(records, name, index, width);
        }
        catch
        {
            records.Dispose();
            throw;
        }
    }

    private static IEnumerable<InputText> Rest(IEnumerator<CsvRecord> records, string name, int index, int width)
    {
        using (records)
        {
            while (records.MoveNext())
            {
                var record = records.Current;
                if (record.Fields.Count != width)
                    throw new CliException($"{name}:{record.Line}: {record.Fields.Count} fields, but the header has {width}; quote fields that hold commas.");
                yield return new InputText(record.Line, record.Fields[index], record.End);
            }
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
