namespace Bert.Gpu.Tokenization;

/// <summary>Token ids and token-type ids of one input, special tokens included.</summary>
/// <param name="Ids">Vocabulary ids, starting with [CLS].</param>
/// <param name="TypeIds">0 for the first text (and its [CLS]/[SEP]), 1 for the second of a pair.</param>
public sealed record TokenizedText(int[] Ids, int[] TypeIds);

/// <summary>Normalization switches of HuggingFace's BertNormalizer.</summary>
/// <param name="Lowercase">Lowercase the text.</param>
/// <param name="StripAccents">Remove combining marks after NFD; HF's default (null) follows <paramref name="Lowercase"/>.</param>
/// <param name="CleanText">Drop control characters and map whitespace to spaces.</param>
/// <param name="HandleChineseChars">Put spaces around CJK ideographs.</param>
public sealed record BertNormalizerOptions(bool Lowercase = true, bool? StripAccents = null, bool CleanText = true, bool HandleChineseChars = true)
{
    /// <summary>bert-base-uncased's settings.</summary>
    public static BertNormalizerOptions Uncased { get; } = new();

    /// <summary>bert-base-cased's settings.</summary>
    public static BertNormalizerOptions Cased { get; } = new(Lowercase: false);
}

/// <summary>WordPiece tokenization identical to HuggingFace tokenizers' BERT pipeline. (Stub: being written.)</summary>
public sealed class BertTokenizer
{
    private readonly IReadOnlyList<string> _tokens;

    private BertTokenizer(IReadOnlyList<string> tokens) => _tokens = tokens;

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int VocabSize => _tokens.Count;

    /// <summary>Builds a tokenizer from a <c>vocab.txt</c> file (one token per line, id = line number).</summary>
    public static BertTokenizer FromVocabFile(string path, BertNormalizerOptions options) =>
        FromVocab(File.ReadAllLines(path), options, path);

    /// <summary>Builds a tokenizer from vocabulary lines (id = index).</summary>
    public static BertTokenizer FromVocab(IReadOnlyList<string> tokens, BertNormalizerOptions options, string source) =>
        new(tokens);

    /// <summary>Builds a tokenizer from a HuggingFace model directory: <c>tokenizer.json</c> if present, else <c>vocab.txt</c> (+ <c>tokenizer_config.json</c>).</summary>
    public static BertTokenizer FromDirectory(string directory) =>
        FromVocabFile(Path.Combine(directory, "vocab.txt"), BertNormalizerOptions.Uncased);

    /// <summary>Tokenizes one text: <c>[CLS] text [SEP]</c>, truncated to <paramref name="maxLength"/> tokens.</summary>
    public TokenizedText Encode(string text, int maxLength) => throw new NotImplementedException();

    /// <summary>Tokenizes a pair: <c>[CLS] a [SEP] b [SEP]</c>, truncated longest-first to <paramref name="maxLength"/> tokens.</summary>
    public TokenizedText Encode(string text, string pair, int maxLength) => throw new NotImplementedException();
}
