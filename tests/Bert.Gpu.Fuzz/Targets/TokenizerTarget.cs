using System.Text;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>
/// Any bytes through the built-in minilm tokenizer. The first byte picks the max length, the rest is the text (invalid
/// UTF-8 decoded to U+FFFD, as a caller holding a string would have it); a 0xFF byte, which UTF-8 never holds, splits
/// it into a pair.
/// </summary>
internal static class TokenizerTarget
{
    private static readonly Lazy<BertTokenizer> MiniLm = new(() =>
        BertTokenizer.FromVocab(BuiltInModels.ReadVocab("minilm"), BertNormalizerOptions.Uncased, "minilm"));

    public static FuzzTarget Target { get; } = new("tokenizer",
        "UTF-8 bytes -> Encode / Encode pair with minilm's vocabulary: ids in the vocabulary, length <= max, [CLS] ... [SEP], truncation a prefix",
        Run);

    /// <summary>Loads the vocabulary before the fork server starts, so no input pays for it.</summary>
    public static void Warm() => _ = MiniLm.Value;

    private static void Run(byte[] input)
    {
        if (input.Length == 0)
            return;
        var tokenizer = MiniLm.Value;
        // Lengths 2..257 cover the degenerate [CLS][SEP] encodings and minilm's 256.
        var maxLength = 2 + input[0];
        var rest = input.AsSpan(1);
        var split = rest.IndexOf((byte)0xFF);
        if (split < 0)
        {
            EncodingChecks.Single(tokenizer, Encoding.UTF8.GetString(rest), maxLength);
            return;
        }
        EncodingChecks.Pair(tokenizer, Encoding.UTF8.GetString(rest[..split]), Encoding.UTF8.GetString(rest[(split + 1)..]), maxLength + 1);
    }
}
