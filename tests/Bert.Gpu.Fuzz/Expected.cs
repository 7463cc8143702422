namespace Bert.Gpu.Fuzz;

/// <summary>Runs a reader and swallows the one exception type its contract allows for bad input; every other exception escapes.</summary>
internal static class Expected
{
    /// <summary>The messages of the inputs rejected since the last <see cref="TakeRejections"/>, kept only when replaying (afl needs speed).</summary>
    public static List<string>? Rejections { get; set; }

    /// <summary>Runs <paramref name="read"/>; true when it finished, false when it rejected the input with <typeparamref name="TError"/>.</summary>
    public static bool Only<TError>(Action read) where TError : Exception
    {
        try
        {
            read();
            return true;
        }
        catch (TError e)
        {
            Rejections?.Add(e.Message);
            return false;
        }
    }

    /// <summary>What was rejected since the last call, then forgets it.</summary>
    public static string[] TakeRejections()
    {
        string[] taken = [.. (Rejections ?? []).Distinct()];
        Rejections?.Clear();
        return taken;
    }
}
