namespace Bert.Gpu.Fuzz;

/// <summary>Runs a target once on each given file (a folder: each file in it), outside afl: to reproduce a crash, or to check a corpus.</summary>
internal static class Replay
{
    /// <summary>0 when every input passed (each printed as read or rejected, with why); 1 after printing the first that failed (target, file, base64 bytes, exception).</summary>
    public static int Run(FuzzTarget target, IEnumerable<string> paths)
    {
        ScratchCoverageMap.EnsureAttached();
        Expected.Rejections = [];
        var count = 0;
        foreach (var file in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
        {
            var input = File.ReadAllBytes(file);
            try
            {
                target.Run(input);
                var rejections = Expected.TakeRejections();
                Console.WriteLine(rejections.Length == 0 ? $"ok       {file}" : $"rejected {file}: {string.Join(" | ", rejections)}");
            }
            catch (Exception e)
            {
                Console.WriteLine($"FAIL {target.Name} {file} ({input.Length} bytes)");
                Console.WriteLine($"base64: {Convert.ToBase64String(input)}");
                Console.WriteLine(e);
                return 1;
            }
            count++;
        }
        Console.WriteLine($"{target.Name}: {count} inputs passed");
        return 0;
    }
}
