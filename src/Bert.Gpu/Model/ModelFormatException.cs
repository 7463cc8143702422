namespace Bert.Gpu.Model;

/// <summary>A model file (weights, configuration or vocabulary) that cannot be used, with the file and the reason.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/>.</summary>
    /// <param name="source">Path (or built-in name) of the offending file.</param>
    /// <param name="problem">What is wrong and, where possible, what to do.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ModelFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>Path (or built-in name) of the offending file.</summary>
    public new string Source { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
