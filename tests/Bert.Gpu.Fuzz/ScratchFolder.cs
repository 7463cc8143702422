namespace Bert.Gpu.Fuzz;

/// <summary>
/// A folder of this process for the readers that take a path: each input is written over the previous one (afl runs
/// thousands per second in one process). In /dev/shm where there is one, so the writes cost no disk.
/// </summary>
internal static class ScratchFolder
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var path = Path.Combine(parent, $"bert-gpu-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(path);
        return path;
    });

    /// <summary>A subfolder called <paramref name="name"/>, emptied of the files in <paramref name="clear"/>.</summary>
    public static string Folder(string name, params string[] clear)
    {
        var path = Path.Combine(Root.Value, name);
        Directory.CreateDirectory(path);
        foreach (var file in clear)
            File.Delete(Path.Combine(path, file));
        return path;
    }

    private static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // afl kills the process on a timeout; a leftover folder in /dev/shm is gone at the next boot.
        }
    }
}
