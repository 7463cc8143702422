namespace Bert.Gpu.Bench;

/// <summary>The end-to-end comparisons' few <c>--name value</c> options.</summary>
internal static class Args
{
    public static string? Get(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
