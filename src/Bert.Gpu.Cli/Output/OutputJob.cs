namespace Bert.Gpu.Cli.Output;

/// <summary>
/// One embedding output: rows stream into a partial file beside the destination, <c>.NAME.partial</c>, renamed onto
/// it by <see cref="Commit"/>. Ended without a commit, the partial file stays if it holds rows, and a run with
/// <c>resume</c> continues it after its <see cref="RowsDone"/> rows. The format comes from the extension.
/// </summary>
internal sealed class OutputJob : IDisposable
{
    /// <summary>The extensions <see cref="Open"/> knows, for messages.</summary>
    public const string Formats = ".npy (float32 [N, D]), .jsonl ({\"embedding\":[...]} per line) or .parquet (a list<float> column 'embedding')";

    private readonly AtomicOutputFile _file;
    private readonly IEmbeddingWriter _writer;
    private readonly int _width;
    private readonly string _undoLog;
    private bool _committed;

    private OutputJob(AtomicOutputFile file, IEmbeddingWriter writer, int width, string undoLog)
    {
        _file = file;
        _writer = writer;
        _width = width;
        _undoLog = undoLog;
        RowsDone = writer.Rows;
    }

    /// <summary>
    /// Opens the output for rows of <paramref name="width"/> floats. With <paramref name="resume"/>, a partial file
    /// of an earlier run is checked and continued (none: a fresh start); without, any partial file is overwritten.
    /// </summary>
    public static OutputJob Open(string destination, int width, bool resume)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var format = Path.GetExtension(destination).ToLowerInvariant();
        if (format is not (".npy" or ".jsonl" or ".parquet"))
            throw new CliException($"{destination}: unknown output format '{Path.GetExtension(destination)}'; use {Formats}.");
        var file = AtomicOutputFile.Resumable(destination, resume);
        var undoLog = file.TemporaryPath + ".undo";
        try
        {
            var stream = file.Stream;
            var name = file.TemporaryPath;
            var resuming = resume && (stream.Length > 0 || File.Exists(undoLog));
            IEmbeddingWriter writer = (format, resuming) switch
            {
                (".npy", true) => NpyWriter.Resume(stream, width, name),
                (".npy", false) => new NpyWriter(stream, width),
                (".jsonl", true) => JsonlEmbeddingWriter.Resume(stream, width, name),
                (".jsonl", false) => new JsonlEmbeddingWriter(stream, width),
                (_, true) => ParquetEmbeddingWriter.Resume(stream, width, undoLog, name),
                _ => new ParquetEmbeddingWriter(stream, width, undoLog),
            };
            return new OutputJob(file, writer, width, undoLog);
        }
        catch
        {
            // An unusable partial file stays for the user to look at (the message says to delete it); an empty one goes.
            if (file.Stream.Length > 0)
                file.Keep();
            else
                file.Dispose();
            throw;
        }
    }

    /// <summary>Rows already in the partial file when resuming (the caller skips that many texts); 0 otherwise.</summary>
    public long RowsDone { get; }

    /// <summary>Rows in the partial file now, <see cref="RowsDone"/> included.</summary>
    public long Rows => _writer.Rows;

    /// <summary>Where the rows are until <see cref="Commit"/>, and stay if the job ends without one.</summary>
    public string PartialPath => _file.TemporaryPath;

    /// <summary>Appends <c>rows.Length / width</c> rows; once it returns they survive the process being killed.</summary>
    public void Write(ReadOnlySpan<float> rows)
    {
        if (rows.Length % _width != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {_width}.", nameof(rows));
        _writer.Write(rows);
    }

    /// <summary>Finishes the format, flushes to disk and renames the partial file onto the destination.</summary>
    public void Commit()
    {
        _writer.Complete();
        _file.Commit();
        _committed = true;
    }

    /// <summary>Without a commit: keeps a partial file that holds rows, for <c>--resume</c>, and deletes an empty one.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        if (_writer.Rows > 0)
        {
            _file.Keep();
            return;
        }
        _file.Dispose();
        File.Delete(_undoLog);
    }
}
