using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Weights;

/// <summary>
/// Loads the tokenizer that sits beside a model's weights, naming the weights file (what the user passed) when it
/// is missing; the files themselves are read by <see cref="Tokenizers.FromDirectory"/> (tokenizer.json of any supported pipeline, or vocab.txt).
/// </summary>
internal static class AdjacentTokenizer
{
    /// <summary>The tokenizer of <paramref name="directory"/>, which must hold <c>tokenizer.json</c> or <c>vocab.txt</c>.</summary>
    /// <param name="directory">Folder holding the tokenizer files.</param>
    /// <param name="source">Model file the tokenizer is needed for, for the message.</param>
    public static ITokenizer Load(string directory, string source)
    {
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")) && !File.Exists(Path.Combine(directory, "vocab.txt")))
            throw new ModelFormatException(source, $"no vocab.txt or tokenizer.json beside it in '{directory}'; copy the model's tokenizer files there.");
        return Tokenizers.FromDirectory(directory);
    }
}
