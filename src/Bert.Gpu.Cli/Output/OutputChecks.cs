namespace Bert.Gpu.Cli.Output;

/// <summary>
/// What is checked about an output path before any work starts, so a job never runs for an hour and then fails to
/// write: the overwrite policy (an existing output is replaced only with <c>--overwrite</c>; an interrupted run's
/// partial file is continued with <c>--resume</c> or dropped with <c>--overwrite</c>; the input is never written over),
/// and that the folder exists and can be written.
/// </summary>
internal static class OutputChecks
{
    /// <param name="path">The output path as the user wrote it.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <param name="inputPath">The input's full path (null for stdin): never to be written over.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <param name="resumable">The partial file of an interrupted run beside it, if this output has one (<c>embed</c>'s), and whether it is to be resumed.</param>
    public static void Check(string path, string option, string? inputPath, bool overwrite, (string Partial, bool Resume)? resumable = null)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new CliException($"{path}: is a folder; {option} names the file to write, e.g. {Path.Combine(path, "embeddings.npy")}.");
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new CliException($"{path}: the output folder '{folder}' does not exist; create it first.");
        if (inputPath is not null && SameFile(full, inputPath))
            throw new CliException($"{path}: is the input file; the input is never written over — choose another {option}.");
        if (File.Exists(full) && !overwrite)
            throw new CliException($"{path}: exists; pass --overwrite to replace it, or choose another {option}.");
        if (resumable is { } r && !r.Resume && !overwrite && File.Exists(r.Partial) && new FileInfo(r.Partial).Length > 0)
            throw new CliException($"{r.Partial}: holds the rows of an interrupted run for {path}; pass --resume to continue it, or --overwrite to start over.");
        ProbeWritable(folder);
    }

    /// <summary>True when the two paths name one file (the same path, or one a symbolic link to the other).</summary>
    public static bool SameFile(string a, string b) =>
        string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);

    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full; // a dangling or looping link is no file of ours
        }
    }

    private static void ProbeWritable(string folder)
    {
        var probe = Path.Combine(folder, $".bert-gpu-probe-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"{folder}: not allowed to write there; choose another output folder.");
        }
        catch (IOException e)
        {
            throw new CliException($"{folder}: cannot write there ({e.Message}).");
        }
    }
}
