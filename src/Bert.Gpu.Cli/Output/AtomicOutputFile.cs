namespace Bert.Gpu.Cli.Output;

/// <summary>
/// Writes to a temporary file beside the destination and renames it into place only on <see cref="Commit"/>, so a
/// failed or interrupted run never leaves a partial output under the requested name.
/// </summary>
internal sealed class AtomicOutputFile : IDisposable
{
    private readonly string _destination;
    private readonly string _temporary;
    private bool _committed;

    public AtomicOutputFile(string destination)
    {
        _destination = Path.GetFullPath(destination);
        var directory = Path.GetDirectoryName(_destination)!;
        if (!Directory.Exists(directory))
            throw new CliException($"{destination}: the output folder '{directory}' does not exist.");
        _temporary = Path.Combine(directory, $".{Path.GetFileName(_destination)}.{Environment.ProcessId}.partial");
        Stream = new FileStream(_temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
    }

    public FileStream Stream { get; }

    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(_temporary, _destination, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
            return;
        Stream.Dispose();
        File.Delete(_temporary);
    }
}
