using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// One embedding output: rows stream into a partial file beside the destination, <c>.NAME.partial</c>, with a
/// <see cref="JobManifest"/> beside it, and are renamed onto the destination by <see cref="Commit"/>. Ended without a
/// commit, the partial file stays if it holds rows, and a run with <c>resume</c> continues it — after proving from the
/// manifest that it is the same job (model, options) and reading back every row it holds — from
/// <see cref="ResumedFrom"/>, whose input hash the caller must check against the texts it skips. The format comes from
/// the extension.
/// </summary>
internal sealed class OutputJob : IDisposable
{
    /// <summary>The extensions <see cref="Open"/> knows, for messages.</summary>
    public const string Formats = ".npy (float32 [N, D]), .jsonl ({\"embedding\":[...]} per line) or .parquet (a list<float> column 'embedding')";

    private readonly AtomicOutputFile _file;
    private readonly IEmbeddingWriter _writer;
    private readonly JobIdentity _identity;
    private readonly string _input;
    private readonly RunningHash _rowsHash;
    private readonly string _manifestPath;
    private readonly string _undoLog;
    private readonly int _rowsPerWrite;
    private RowCheckpoint _committed;
    private RowCheckpoint _accepted;
    private float[] _buffer = [];
    private int _bufferedRows;
    private bool _done;

    private OutputJob(AtomicOutputFile file, IEmbeddingWriter writer, JobIdentity identity, string input, RunningHash rowsHash,
        RowCheckpoint resumedFrom, string undoLog, int? rowGroupRows)
    {
        _file = file;
        _writer = writer;
        _identity = identity;
        _input = input;
        _rowsHash = rowsHash;
        _manifestPath = JobManifest.PathFor(file.TemporaryPath);
        _undoLog = undoLog;
        _committed = _accepted = ResumedFrom = resumedFrom;
        _rowsPerWrite = writer is ParquetEmbeddingWriter ? rowGroupRows ?? ParquetEmbeddingWriter.RowGroupRows(identity.Width) : 1;
    }

    /// <summary>True for the extensions this job writes.</summary>
    public static bool KnowsFormat(string destination) =>
        Path.GetExtension(destination).ToLowerInvariant() is ".npy" or ".jsonl" or ".parquet";

    /// <summary>
    /// Opens the output for the job <paramref name="identity"/> (rows of its width) reading <paramref name="input"/>.
    /// With <paramref name="resume"/>, a partial file of an earlier run is verified and continued (none: a fresh start);
    /// without, any partial file is emptied.
    /// </summary>
    /// <param name="destination">The output path; its extension says the format.</param>
    /// <param name="identity">The job: model, options, width.</param>
    /// <param name="input">The input's name, recorded in the manifest for people to read.</param>
    /// <param name="resume">Continue a partial file of an earlier run of this job.</param>
    /// <param name="parquetRowGroupRows">Rows per Parquet row group; default <see cref="ParquetEmbeddingWriter.RowGroupRows"/> (tests use small ones).</param>
    /// <exception cref="CliException">The partial file is not this job's (what changed is named), is damaged, or cannot be opened.</exception>
    public static OutputJob Open(string destination, JobIdentity identity, string input, bool resume, int? parquetRowGroupRows = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identity.Width);
        if (!KnowsFormat(destination))
            throw new CliException($"{destination}: unknown output format '{Path.GetExtension(destination)}'; use {Formats}.");
        var format = Path.GetExtension(destination).ToLowerInvariant();
        var file = AtomicOutputFile.Resumable(destination, resume);
        var partial = file.TemporaryPath;
        var manifestPath = JobManifest.PathFor(partial);
        var undoLog = partial + ".undo";
        var rowsHash = new RunningHash();
        try
        {
            var stream = file.Stream;
            var width = identity.Width;
            if (resume && (stream.Length > 0 || File.Exists(undoLog)))
            {
                var manifest = JobManifest.Load(manifestPath, partial)
                    ?? throw new CliException($"{partial}: no manifest ({manifestPath}) says which job wrote it, so it cannot be verified; delete it, or pass --overwrite to start over.");
                var changes = identity.Differences(manifest.Identity);
                if (changes.Count > 0)
                    throw new CliException($"cannot resume {partial}: {string.Join("; ", changes)}. Rerun with the options of the interrupted run, or pass --overwrite to start over.");
                var present = format switch
                {
                    ".npy" => NpyWriter.CountRows(stream, width, partial),
                    ".jsonl" => JsonlEmbeddingWriter.CountRows(stream),
                    _ => ParquetEmbeddingWriter.CountRows(stream, width, undoLog, partial),
                };
                var from = Checkpoint(manifest, present, partial);
                IEmbeddingWriter resumed = format switch
                {
                    ".npy" => NpyWriter.Resume(stream, width, from.Rows, rowsHash),
                    ".jsonl" => JsonlEmbeddingWriter.Resume(stream, width, partial, from.Rows, rowsHash),
                    _ => ParquetEmbeddingWriter.Resume(stream, width, undoLog, partial, from.Rows, rowsHash),
                };
                if (rowsHash.Current != from.OutputSha256)
                    throw new CliException($"{partial}: its first {from.Rows} rows are not those its manifest recorded (the file was changed or damaged); delete it, or pass --overwrite to start over.");
                return new OutputJob(file, resumed, identity, input, rowsHash, from, undoLog, parquetRowGroupRows);
            }
            File.Delete(manifestPath); // a stale one of an earlier job must never vouch for this one
            stream.SetLength(0);
            IEmbeddingWriter writer = format switch
            {
                ".npy" => new NpyWriter(stream, width),
                ".jsonl" => new JsonlEmbeddingWriter(stream, width),
                _ => new ParquetEmbeddingWriter(stream, width, undoLog),
            };
            return new OutputJob(file, writer, identity, input, rowsHash, new RowCheckpoint(0, Empty(), rowsHash.Current), undoLog, parquetRowGroupRows);
        }
        catch
        {
            rowsHash.Dispose();
            // An unusable partial file stays for the user to look at (the message says what to do); an empty one goes.
            if (file.Stream.Length > 0)
                file.Keep();
            else
                file.Dispose();
            throw;
        }
    }

    /// <summary>Where a resume starts: the manifest's committed or pending rows, whichever the partial holds whole.</summary>
    private static RowCheckpoint Checkpoint(JobManifest manifest, long present, string partial)
    {
        if (manifest.Pending is { } pending && present >= pending.Rows)
        {
            if (present > pending.Rows)
                throw new CliException($"{partial}: holds {present} rows, more than its manifest has ever recorded ({pending.Rows}); delete it, or pass --overwrite to start over.");
            return pending;
        }
        // Rows past the committed ones are a chunk whose write was cut short: cut them, they are computed again.
        return present >= manifest.Committed.Rows
            ? manifest.Committed
            : throw new CliException($"{partial}: holds {present} rows, fewer than the {manifest.Committed.Rows} its manifest recorded (the file was cut or damaged); delete it, or pass --overwrite to start over.");
    }

    private static string Empty()
    {
        using var hash = new RunningHash();
        return hash.Current;
    }

    /// <summary>Where this run starts: 0 rows, or the checkpoint of the partial it continues (skip that many texts; their hash must match).</summary>
    public RowCheckpoint ResumedFrom { get; }

    /// <summary>Rows in the partial file now, those it was resumed with included (not those gathered for a row group: see <see cref="Flush"/>).</summary>
    public long Rows => _writer.Rows;

    /// <summary>Where the rows are until <see cref="Commit"/>, and stay if the job ends without one.</summary>
    public string PartialPath => _file.TemporaryPath;

    /// <summary>
    /// Appends <c>rows.Length / width</c> rows made from texts whose running hash, after the last of them, is
    /// <paramref name="inputSha256"/>. Rows go to the file at once (a Parquet output gathers them into row groups of
    /// <see cref="ParquetEmbeddingWriter.RowGroupRows"/> first: a row group per chunk made its footer, rewritten on
    /// every append, grow with the job); once in the file they survive the process being killed, and if it is killed
    /// while they go out, a resume finds the rows before them or all of them, never a mix.
    /// </summary>
    public void Write(ReadOnlyMemory<float> rows, string inputSha256)
    {
        var width = _identity.Width;
        if (rows.Length % width != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {width}.", nameof(rows));
        var count = rows.Length / width;
        _rowsHash.AppendRows(rows.Span);
        _accepted = new RowCheckpoint(_accepted.Rows + count, inputSha256, _rowsHash.Current);
        if (_bufferedRows == 0 && count >= _rowsPerWrite)
        {
            WriteOut(rows);
            return;
        }
        var needed = (_bufferedRows + count) * width;
        if (_buffer.Length < needed)
            Array.Resize(ref _buffer, Math.Max(needed, _rowsPerWrite * width));
        rows.CopyTo(_buffer.AsMemory(_bufferedRows * width));
        _bufferedRows += count;
        if (_bufferedRows >= _rowsPerWrite)
            WriteOut(_buffer.AsMemory(0, _bufferedRows * width));
    }

    /// <summary>Writes out the rows gathered for a row group that is not full yet: before a stop, so nothing computed is lost.</summary>
    public void Flush()
    {
        if (_bufferedRows > 0)
            WriteOut(_buffer.AsMemory(0, _bufferedRows * _identity.Width));
    }

    /// <summary>The manifest names what is about to go out as pending, then it goes out: the order that makes a kill at any instant resumable.</summary>
    private void WriteOut(ReadOnlyMemory<float> rows)
    {
        try
        {
            new JobManifest(JobManifest.CurrentVersion, _identity, _input, _committed, _accepted).Save(_manifestPath);
            _writer.Write(rows);
        }
        catch (IOException e)
        {
            throw new CliException($"{PartialPath}: writing failed ({e.Message.Split(" : '")[0]}); free space or fix the cause", e);
        }
        _committed = _accepted;
        _bufferedRows = 0;
    }

    /// <summary>Finishes the format, flushes to disk, renames the partial file onto the destination and drops the manifest.</summary>
    public void Commit()
    {
        Flush();
        _writer.Complete();
        _file.Commit();
        _done = true;
        File.Delete(_manifestPath);
    }

    /// <summary>
    /// Without a commit: writes out the rows gathered for a row group (if it can), then keeps a partial file that holds
    /// rows (and its manifest), for <c>--resume</c>; deletes an empty one.
    /// </summary>
    public void Dispose()
    {
        _rowsHash.Dispose();
        if (_done)
            return;
        _done = true;
        try
        {
            Flush();
        }
        catch (CliException)
        {
            // The write that failed before fails again: the rows already out are what is kept.
        }
        if (_writer.Rows > 0)
        {
            _file.Keep();
            return;
        }
        _file.Dispose();
        File.Delete(_undoLog);
        File.Delete(_manifestPath);
    }
}
