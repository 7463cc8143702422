using System.Text.Encodings.Web;
using System.Text.Json;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// A task command's JSON Lines output: one object per line, written to <c>.NAME.partial</c> beside the destination
/// (<see cref="AtomicOutputFile.Resumable"/>) and renamed into place by <see cref="Commit"/>. After each chunk a
/// <see cref="TaskManifest"/> records what the partial file holds; a run that ends without a commit keeps both when
/// lines were written, and a run with <c>--resume</c> continues them after proving it is the same job.
/// </summary>
internal sealed class JsonLinesOutput : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly AtomicOutputFile _file;
    private readonly Utf8JsonWriter _writer;
    private readonly string _job;
    private readonly string _manifestPath;
    private bool _committed;

    /// <summary>
    /// Starts writing <paramref name="destination"/> (already checked by <see cref="OutputChecks.Check"/>) for the job
    /// <paramref name="job"/>; with <paramref name="resume"/>, continues the partial file an interrupted run of the
    /// same job left.
    /// </summary>
    /// <exception cref="CliException">The partial file belongs to another job (model or options), or is shorter than its manifest says.</exception>
    public JsonLinesOutput(string destination, string job, bool resume)
    {
        var partial = AtomicOutputFile.ResumablePath(destination);
        _manifestPath = TaskManifest.PathOf(partial);
        _job = job;
        var manifest = resume ? TaskManifest.Read(_manifestPath) : null;
        if (manifest is not null && manifest.Job != job)
            throw new CliException($"cannot resume {partial}: it was written by another job ({manifest.Job}), not this one ({job}); rerun that command, or pass --overwrite to start over.");
        _file = AtomicOutputFile.Resumable(destination, resume && manifest is not null);
        if (manifest is not null)
        {
            if (_file.Stream.Length < manifest.Bytes)
            {
                _file.Keep();
                throw new CliException($"cannot resume {partial}: it holds {_file.Stream.Length} bytes, fewer than the {manifest.Bytes} its manifest records; pass --overwrite to start over.");
            }
            _file.Stream.SetLength(manifest.Bytes); // a chunk torn by a kill is cut
            _file.Stream.Seek(0, SeekOrigin.End);
            Resumed = manifest;
            Records = manifest.Records;
        }
        _writer = new Utf8JsonWriter(_file.Stream, Options);
    }

    /// <summary>What the resumed partial file held, or null for a fresh start.</summary>
    public TaskManifest? Resumed { get; }

    /// <summary>Input records whose lines are written and recorded.</summary>
    public long Records { get; private set; }

    /// <summary>The partial file, for messages.</summary>
    public string PartialPath => _file.TemporaryPath;

    /// <summary>Writes one line: <paramref name="write"/> writes one JSON value (an object) to the writer it is given.</summary>
    public void Line(Action<Utf8JsonWriter> write)
    {
        write(_writer);
        _writer.Flush();
        _writer.Reset();
        _file.Stream.WriteByte((byte)'\n');
    }

    /// <summary>Records that the lines of the first <paramref name="records"/> input records (hashed as <paramref name="inputSha256"/>) are written.</summary>
    public void Checkpoint(long records, string inputSha256)
    {
        _file.Stream.Flush(flushToDisk: true);
        new TaskManifest(_job, records, _file.Stream.Length, inputSha256).Write(_manifestPath);
        Records = records;
    }

    /// <summary>Flushes the file, renames it to the destination and drops the manifest.</summary>
    public void Commit()
    {
        _writer.Dispose();
        _file.Commit();
        File.Delete(_manifestPath);
        _committed = true;
    }

    public void Dispose()
    {
        try
        {
            _writer.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A write that just failed (a full disk) fails again as the writer flushes; the manifest says what counts.
        }
        if (_committed)
            return;
        if (Records > 0)
        {
            _file.Keep();
            return;
        }
        _file.Dispose();
        File.Delete(_manifestPath);
    }
}
