namespace Bert.Gpu.Tokenization;

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
