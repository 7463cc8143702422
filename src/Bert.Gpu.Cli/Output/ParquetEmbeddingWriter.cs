using System.Buffers.Binary;
using Parquet;
using Parquet.Schema;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// Apache Parquet with one column, <c>embedding</c>: a list of float32 per row (the standard three-level LIST,
/// <c>embedding.list.element</c>, which pyarrow reads as <c>list&lt;element: float not null&gt;</c> and pandas as
/// arrays in an object column). Each <see cref="Write"/> appends one row group (<see cref="OutputJob"/> gathers
/// <see cref="RowGroupRows"/> rows for it) and rewrites the footer, so after
/// every write the file is complete and readable; <see cref="ParquetUndoLog"/> covers a process killed mid-append.
/// </summary>
/// <remarks>Parquet.Net's API is asynchronous; the CLI has no synchronization context, so waiting on it is safe.</remarks>
internal sealed class ParquetEmbeddingWriter : IEmbeddingWriter
{
    private static readonly DataField<float> Element = new("element");
    private static readonly ParquetSchema Schema = new(new ListField("embedding", Element));

    private readonly Stream _stream;
    private readonly int _width;
    private readonly string _undoLog;
    private int[] _definitionLevels = [];
    private int[] _repetitionLevels = [];

    /// <summary>Starts an empty file in <paramref name="stream"/>; <paramref name="undoLog"/> is where appends save the footer.</summary>
    public ParquetEmbeddingWriter(Stream stream, int width, string undoLog)
    {
        _stream = stream;
        _width = width;
        _undoLog = undoLog;
        File.Delete(undoLog); // a stale log of an earlier file must never be applied to this one
    }

    public long Rows { get; private set; }

    /// <summary>
    /// Rows per row group: 16 MB of floats (10,922 MiniLM rows). Every append rewrites the footer, whose size grows
    /// with the row groups (about 150 bytes each): with one row group per 1,024-row chunk, a 200,000-line job's peak
    /// memory grew by 10% through the footers' copies; 16 MB groups make that 10× smaller and stay a constant buffer.
    /// </summary>
    public static int RowGroupRows(int width) => Math.Max(1, (16 << 20) / (4 * width));

    /// <summary>
    /// The rows of the partial file in <paramref name="stream"/> (called <paramref name="name"/> in errors), after
    /// undoing an unfinished append and checking the file is this writer's schema with lists of
    /// <paramref name="width"/>: appends are whole row groups, so every row counted is complete.
    /// </summary>
    public static long CountRows(Stream stream, int width, string undoLog, string name)
    {
        if (!ParquetUndoLog.Undo(undoLog, stream))
            throw Unusable(name);
        return stream.Length == 0 ? 0 : Read(stream, width, name, hash: null);
    }

    /// <summary>
    /// Continues the partial file after its <paramref name="rows"/> rows, which must be all it holds (appends are
    /// atomic, so a manifest never points inside a row group): reads every value back into <paramref name="hash"/>.
    /// </summary>
    public static ParquetEmbeddingWriter Resume(Stream stream, int width, string undoLog, string name, long rows, RunningHash hash)
    {
        if (rows == 0)
        {
            stream.SetLength(0);
            return new ParquetEmbeddingWriter(stream, width, undoLog);
        }
        var found = Read(stream, width, name, hash);
        if (found != rows)
            throw new CliException($"{name}: holds {found} rows where {rows} were expected; delete it, or pass --overwrite to start over.");
        stream.Position = stream.Length;
        return new ParquetEmbeddingWriter(stream, width, undoLog) { Rows = rows };
    }

    private static long Read(Stream stream, int width, string name, RunningHash? hash)
    {
        try
        {
            return ReadAsync(stream, width, name, hash).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not CliException)
        {
            // Parquet.Net reports a damaged file with whatever exception its parsing ran into.
            throw Unusable(name);
        }
    }

    public void Write(ReadOnlyMemory<float> rows)
    {
        var count = rows.Length / _width;
        if (count == 0)
            return;
        ParquetUndoLog.Save(_undoLog, _stream, Rows == 0 ? 0 : FooterBytes());
        EnsureLevels(rows.Length);
        AppendAsync(rows).GetAwaiter().GetResult();
        _stream.Flush();
        File.Delete(_undoLog);
        Rows += count;
    }

    /// <summary>A file with no rows still needs its magic and footer.</summary>
    public void Complete()
    {
        if (Rows == 0)
            WriteEmptyAsync().GetAwaiter().GetResult();
    }

    /// <summary>Checks the schema and every row group's value count; with <paramref name="hash"/>, reads every value into it.</summary>
    private static async Task<long> ReadAsync(Stream stream, int width, string name, RunningHash? hash)
    {
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        var fields = reader.Schema.GetDataFields();
        if (fields.Length != 1 || !fields[0].Path.Equals(Element.Path) || fields[0].ClrType != typeof(float))
            throw Unusable(name);
        long rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            if (group.GetMetadata(fields[0])?.MetaData?.NumValues != group.RowCount * width)
                throw new CliException($"{name}: holds rows of another width than this run's {width}; delete it, or pass --overwrite to start over.");
            if (hash is not null)
            {
                var values = new float[group.RowCount * width];
                var levels = new int[values.Length];
                await group.ReadRawAsync<float>(fields[0], values, levels, levels, CancellationToken.None);
                if (values.Any(v => !float.IsFinite(v)))
                    throw Unusable(name);
                hash.AppendRows(values);
            }
            rows += group.RowCount;
        }
        return rows;
    }

    private async Task WriteEmptyAsync()
    {
        await using var writer = await ParquetWriter.CreateAsync(Schema, _stream);
    }

    /// <summary>One row group; appending rewrites the footer after it, creating writes the magic first.</summary>
    private async Task AppendAsync(ReadOnlyMemory<float> values)
    {
        await using var writer = await ParquetWriter.CreateAsync(Schema, _stream, append: Rows > 0);
        using var group = writer.CreateRowGroup();
        await group.WriteAllPartsAsync<float>(Element, values, _definitionLevels.AsMemory(0, values.Length),
            _repetitionLevels.AsMemory(0, values.Length), CancellationToken.None);
        group.CompleteValidate();
    }

    /// <summary>The footer's length: its metadata, the 4-byte length of that, and the closing <c>PAR1</c>.</summary>
    private long FooterBytes()
    {
        Span<byte> length = stackalloc byte[4];
        _stream.Position = _stream.Length - 8;
        _stream.ReadExactly(length);
        return BinaryPrimitives.ReadInt32LittleEndian(length) + 8L;
    }

    /// <summary>Every value is present (definition level at its maximum) and each row's first value starts a new list.</summary>
    private void EnsureLevels(int values)
    {
        if (_definitionLevels.Length >= values)
            return;
        _definitionLevels = new int[values];
        _repetitionLevels = new int[values];
        Array.Fill(_definitionLevels, Element.MaxDefinitionLevel);
        for (var i = 0; i < values; i++)
            _repetitionLevels[i] = i % _width == 0 ? 0 : 1;
    }

    private static CliException Unusable(string name) =>
        new($"{name}: not a readable partial .parquet file of this tool; delete it, or pass --overwrite to start over.");
}
