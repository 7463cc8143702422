using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// One embedding output: rows stream into a partial file beside the destination, <c>.NAME.partial</c>, with a
/// <see cref="JobManifest"/> beside it, and are renamed onto the destination by <see cref="Commit"/>. Ended without a
/// commit, the partial file stays if it holds rows, and a run with <c>resume</c> continues it — after proving from the
/// manifest that it is the same job (model, options) and reading back every row it holds — from
/// <see cref="ResumedFrom"/>, whose input hash the caller must check against the texts it skips. The format comes from
/// the extension; a <c>.parquet</c> job keeps its rows in <c>.npy</c> layout until the commit writes the Parquet file
/// (<see cref="ParquetEmbeddingWriter"/> says why).
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
    private readonly string _destination;
    private RowCheckpoint _committed;
    private bool _done;

    private OutputJob(AtomicOutputFile file, IEmbeddingWriter writer, JobIdentity identity, string input, RunningHash rowsHash,
        RowCheckpoint resumedFrom, string destination)
    {
        _file = file;
        _writer = writer;
        _identity = identity;
        _input = input;
        _rowsHash = rowsHash;
        _manifestPath = JobManifest.PathFor(file.TemporaryPath);
        _destination = destination;
        _committed = ResumedFrom = resumedFrom;
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
    /// <exception cref="CliException">The partial file is not this job's (what changed is named), is damaged, or cannot be opened.</exception>
    public static OutputJob Open(string destination, JobIdentity identity, string input, bool resume)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identity.Width);
        if (!KnowsFormat(destination))
            throw new CliException($"{destination}: unknown output format '{Path.GetExtension(destination)}'; use {Formats}.");
        var jsonl = Path.GetExtension(destination).Equals(".jsonl", StringComparison.OrdinalIgnoreCase); // else npy rows
        var file = AtomicOutputFile.Resumable(destination, resume);
        var partial = file.TemporaryPath;
        var manifestPath = JobManifest.PathFor(partial);
        var rowsHash = new RunningHash();
        try
        {
            var stream = file.Stream;
            var width = identity.Width;
            if (resume && stream.Length > 0)
            {
                var manifest = JobManifest.Load(manifestPath, partial)
                    ?? throw new CliException($"{partial}: no manifest ({manifestPath}) says which job wrote it, so it cannot be verified; delete it, or pass --overwrite to start over.");
                var changes = identity.Differences(manifest.Identity);
                if (changes.Count > 0)
                    throw new CliException($"cannot resume {partial}: {string.Join("; ", changes)}. Rerun with the options of the interrupted run, or pass --overwrite to start over.");
                var present = jsonl ? JsonlEmbeddingWriter.CountRows(stream) : NpyWriter.CountRows(stream, width, partial);
                var from = Checkpoint(manifest, present, partial);
                IEmbeddingWriter resumed = jsonl
                    ? JsonlEmbeddingWriter.Resume(stream, width, partial, from.Rows, rowsHash)
                    : NpyWriter.Resume(stream, width, from.Rows, rowsHash);
                if (rowsHash.Current != from.OutputSha256)
                    throw new CliException($"{partial}: its first {from.Rows} rows are not those its manifest recorded (the file was changed or damaged); delete it, or pass --overwrite to start over.");
                return new OutputJob(file, resumed, identity, input, rowsHash, from, destination);
            }
            File.Delete(manifestPath); // a stale one of an earlier job must never vouch for this one
            stream.SetLength(0);
            IEmbeddingWriter writer = jsonl ? new JsonlEmbeddingWriter(stream, width) : new NpyWriter(stream, width);
            return new OutputJob(file, writer, identity, input, rowsHash, new RowCheckpoint(0, Empty(), rowsHash.Current), destination);
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

    /// <summary>Rows in the partial file now, those it was resumed with included.</summary>
    public long Rows => _writer.Rows;

    /// <summary>Where the rows are until <see cref="Commit"/>, and stay if the job ends without one.</summary>
    public string PartialPath => _file.TemporaryPath;

    /// <summary>
    /// Appends <c>rows.Length / width</c> rows made from texts whose running hash, after the last of them, is
    /// <paramref name="inputSha256"/>. Once it returns they survive the process being killed; if it is killed during
    /// the call, a resume finds the rows before them or all of them, never a mix.
    /// </summary>
    public void Write(ReadOnlyMemory<float> rows, string inputSha256)
    {
        if (rows.Length % _identity.Width != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {_identity.Width}.", nameof(rows));
        _rowsHash.AppendRows(rows.Span);
        var next = new RowCheckpoint(_committed.Rows + rows.Length / _identity.Width, inputSha256, _rowsHash.Current);
        try
        {
            // The manifest names the rows as pending before they go out: the order that makes a kill at any instant resumable.
            new JobManifest(JobManifest.CurrentVersion, _identity, _input, _committed, next).Save(_manifestPath);
            _writer.Write(rows);
        }
        catch (IOException e)
        {
            throw new CliException($"{PartialPath}: writing failed ({e.Message.Split(" : '")[0]}); free space or fix the cause", e);
        }
        _committed = next;
    }

    /// <summary>The job this output is for: model, options, width.</summary>
    public JobIdentity Identity => _identity;

    /// <summary>Running hash of the texts the rows written so far came from (<see cref="Write"/>'s last <c>inputSha256</c>).</summary>
    public string InputSha256 => _committed.InputSha256;

    /// <summary>
    /// Finishes the format, flushes to disk and renames the partial file onto the destination (a Parquet output: writes
    /// the Parquet file from the partial's rows into <c>.NAME.converting</c> and renames that; as a
    /// <paramref name="part"/> of a sharded dataset if one is given), then drops the manifest.
    /// </summary>
    public void Commit(ParquetPart? part = null)
    {
        _writer.Complete();
        var parquet = Path.GetExtension(_destination).Equals(".parquet", StringComparison.OrdinalIgnoreCase);
        if (part is not null && !parquet)
            throw new ArgumentException($"{_destination}: a part of a sharded dataset is Parquet.", nameof(part));
        if (parquet)
        {
            // Killed while converting, the partial and its manifest are still there: a resume converts again.
            using var converting = AtomicOutputFile.Converting(_destination);
            var rows = _file.Stream;
            rows.Position = NpyWriter.HeaderBytes;
            ParquetEmbeddingWriter.Write(rows, _writer.Rows, _identity.Width, converting.Stream, part);
            converting.Commit();
            _file.Dispose();
        }
        else
        {
            _file.Commit();
        }
        _done = true;
        File.Delete(_manifestPath);
    }

    /// <summary>Without a commit: keeps a partial file that holds rows (and its manifest), for <c>--resume</c>; deletes an empty one.</summary>
    public void Dispose()
    {
        _rowsHash.Dispose();
        if (_done)
            return;
        _done = true;
        if (_writer.Rows > 0)
        {
            _file.Keep();
            return;
        }
        _file.Dispose();
        File.Delete(_manifestPath);
    }
}
