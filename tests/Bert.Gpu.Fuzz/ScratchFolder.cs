namespace Bert.Gpu.Fuzz;

/// <summary>
/// A folder of this process for the readers that take a path: each input is written over the previous one (afl runs
/// thousands per second in one process). Under <c>BERT_GPU_FUZZ_SCRATCH</c> (the lane's own folder, removed after it:
/// afl ends its targets with SIGKILL, so no exit handler runs), else in /dev/shm, so the writes cost no disk.
/// </summary>
internal static class ScratchFolder
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var parent = Environment.GetEnvironmentVariable("BERT_GPU_FUZZ_SCRATCH") is { Length: > 0 } chosen ? chosen
            : Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
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
            // Another process of the same target may still be writing; the lane removes its scratch folder afterwards.
        }
    }
}
