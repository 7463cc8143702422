namespace Bert.Gpu.Tests.Support;

/// <summary>Locates committed test data from the test binaries' folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Data(params string[] parts) => Path.Combine([Root, "tests", "data", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bert.Gpu.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Bert.Gpu.sln above {AppContext.BaseDirectory}.");
    }
}
