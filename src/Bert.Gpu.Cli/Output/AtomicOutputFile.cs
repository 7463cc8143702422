namespace Bert.Gpu.Cli.Output;

/// <summary>
/// Writes to a temporary file beside the destination and renames it into place only on <see cref="Commit"/>, so a
/// failed or interrupted run never leaves a partial output under the requested name.
/// </summary>
internal sealed class AtomicOutputFile : IDisposable
{
    private readonly string _destination;
    private bool _closed;

    /// <summary>A fresh temporary file of this process's own, deleted unless committed.</summary>
    public AtomicOutputFile(string destination)
        : this(destination, $"{Environment.ProcessId}.partial", FileMode.Create)
    {
    }

    private AtomicOutputFile(string destination, string suffix, FileMode mode)
    {
        _destination = Path.GetFullPath(destination);
        var directory = Path.GetDirectoryName(_destination)!;
        if (!Directory.Exists(directory))
            throw new CliException($"{destination}: the output folder '{directory}' does not exist.");
        TemporaryPath = PathBeside(_destination, suffix);
        try
        {
            Stream = new FileStream(TemporaryPath, mode, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new CliException($"{TemporaryPath}: cannot open it ({e.Message}); is another run writing {destination}?");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"{TemporaryPath}: not allowed to write here; choose another output folder.");
        }
    }

    /// <summary>
    /// The partial file of a resumable output: its name depends only on the destination, so a rerun finds it, and
    /// with <paramref name="resume"/> it is opened as it is (or created empty) instead of emptied.
    /// </summary>
    public static AtomicOutputFile Resumable(string destination, bool resume) =>
        new(destination, "partial", resume ? FileMode.OpenOrCreate : FileMode.Create);

    /// <summary>
    /// The file a finished job's last step writes before the rename, <c>.NAME.converting</c>: one name, not a
    /// per-process one, so a run killed while converting leaves nothing a later run does not overwrite (only the
    /// run holding the partial file gets this far).
    /// </summary>
    public static AtomicOutputFile Converting(string destination) => new(destination, "converting", FileMode.Create);

    /// <summary>The partial file <see cref="Resumable"/> uses for <paramref name="destination"/>: <c>.NAME.partial</c> beside it.</summary>
    public static string ResumablePath(string destination) => PathBeside(Path.GetFullPath(destination), "partial");

    private static string PathBeside(string destination, string suffix) =>
        Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{suffix}");

    public string TemporaryPath { get; }

    public FileStream Stream { get; }

    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TemporaryPath, _destination, overwrite: true);
        _closed = true;
    }

    /// <summary>Closes the temporary file and leaves it where it is, for a later run to resume.</summary>
    public void Keep()
    {
        _closed = true;
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // Buffered bytes of a write that just failed (a full disk, say) may not land: a resume cuts torn tails.
        }
    }

    public void Dispose()
    {
        if (_closed)
            return;
        _closed = true;
        try
        {
            Stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ArgumentOutOfRangeException)
        {
            // Flushing the buffered bytes of a write that just failed fails again (a full disk: IOException; a file
            // size limit, EFBIG: ArgumentOutOfRangeException); the file goes anyway.
        }
        finally
        {
            File.Delete(TemporaryPath);
        }
    }
}
