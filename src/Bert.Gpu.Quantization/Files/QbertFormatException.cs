namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// A <c>.qbert</c> file (or a value read from its metadata) that cannot be used: the file, the tensor when the problem
/// is one tensor's, and the problem with what to do. The message is <c>FILE: tensor 'NAME': PROBLEM; what to do</c>
/// (<c>FILE: PROBLEM; what to do</c> without a tensor). The reader throws nothing else for bad input.
/// </summary>
public sealed class QbertFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">Path of the offending file.</param>
    /// <param name="tensor">The tensor (or metadata entry) at fault, or null when the problem is the file's.</param>
    /// <param name="problem">What is wrong and what to do, without the file or tensor name.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public QbertFormatException(string file, string? tensor, string problem, Exception? inner = null)
        : base(tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}", inner)
    {
        File = file;
        Tensor = tensor;
        Problem = problem;
    }

    /// <summary>Path of the offending file.</summary>
    public string File { get; }

    /// <summary>The tensor (or metadata entry) at fault, or null.</summary>
    public string? Tensor { get; }

    /// <summary>What is wrong and what to do.</summary>
    public string Problem { get; }
}
