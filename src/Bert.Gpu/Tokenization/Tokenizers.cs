using Bert.Gpu.Model;

namespace Bert.Gpu.Tokenization;

/// <summary>Loads the tokenizer of a HuggingFace model, whatever its kind (WordPiece, byte-level BPE, Unigram).</summary>
public static class Tokenizers
{
    /// <summary>From a model directory: <c>tokenizer.json</c> if present, else BERT's <c>vocab.txt</c> (+ <c>tokenizer_config.json</c>).</summary>
    /// <exception cref="ModelFormatException">The files are missing, malformed, or use a component this library does not implement (the message names it and its JSON path).</exception>
    public static ITokenizer FromDirectory(string directory) => TokenizerFiles.LoadAny(directory);

    /// <summary>From a <c>tokenizer.json</c> file.</summary>
    /// <exception cref="ModelFormatException">The file is malformed or uses a component this library does not implement.</exception>
    public static ITokenizer FromTokenizerJson(string path) => TokenizerFiles.FromTokenizerJson(path);
}
