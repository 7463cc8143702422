using Bert.Gpu.Tokenization.PreTokenizers;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>pre_tokenizer</c>, flattening Sequences.</summary>
internal static class PreTokenizerReader
{
    private const string Supported = "ByteLevel, Sequence";

    /// <summary>The pre-tokenizers of <paramref name="preTokenizer"/> in the order they run (none for null).</summary>
    public static IReadOnlyList<IPreTokenizer> Read(JsonAt? preTokenizer)
    {
        var result = new List<IPreTokenizer>();
        if (preTokenizer is { } p) Add(p, result);
        return result;
    }

    private static void Add(JsonAt p, List<IPreTokenizer> result)
    {
        switch (p.Type())
        {
            case "Sequence":
                foreach (var member in p.Require("pretokenizers").Items()) Add(member, result);
                break;
            case "ByteLevel":
                result.Add(new ByteLevelPreTokenizer(p.Bool("add_prefix_space", true), p.Bool("use_regex", true)));
                break;
            default:
                throw p.Unsupported("pre-tokenizer", Supported);
        }
    }
}
