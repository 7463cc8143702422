using Bert.Gpu.Tokenization.PreTokenizers;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>pre_tokenizer</c>, flattening Sequences.</summary>
internal static class PreTokenizerReader
{
    private const string Supported = "ByteLevel, Metaspace, WhitespaceSplit, Whitespace, BertPreTokenizer, Punctuation, Digits, Split, CharDelimiterSplit, Sequence";

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
            case "Metaspace":
                result.Add(Metaspace(p));
                break;
            case "WhitespaceSplit":
                result.Add(WhitespaceSplitPreTokenizer.Instance);
                break;
            case "Whitespace":
                result.Add(WhitespacePreTokenizer.Instance);
                break;
            case "BertPreTokenizer":
                result.Add(BertWordsPreTokenizer.Instance);
                break;
            case "Punctuation":
                result.Add(CharacterSplitPreTokenizer.Punctuation(Behavior(p) ?? SplitBehavior.Isolated));
                break;
            case "Digits":
                result.Add(CharacterSplitPreTokenizer.Digits(p.Bool("individual_digits", false)));
                break;
            case "CharDelimiterSplit":
                var delimiter = p.Require("delimiter");
                var runes = delimiter.AsString().EnumerateRunes().ToArray();
                result.Add(runes.Length == 1 ? CharacterSplitPreTokenizer.Delimiter(runes[0].Value) : throw delimiter.Error("is not one character."));
                break;
            case "Split":
                result.Add(new PatternSplitPreTokenizer(NormalizerReader.Pattern(p.Require("pattern")),
                    Behavior(p) ?? throw p.Error("has no \"behavior\"."), p.Bool("invert", false)));
                break;
            default:
                throw p.Unsupported("pre-tokenizer", Supported);
        }
    }

    private static SplitBehavior? Behavior(JsonAt p) => p.Get("behavior") is { } b
        ? b.AsString() switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            var other => throw b.Error($"is \"{other}\"; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous."),
        }
        : null;

    // The prepend scheme, or the legacy add_prefix_space (true: always, false: never). HF itself refuses
    // add_prefix_space false without prepend_scheme "never"; such older files are read as "never" here.
    private static MetaspacePreTokenizer Metaspace(JsonAt p)
    {
        var replacement = p.Require("replacement");
        var text = replacement.AsString();
        if (text.EnumerateRunes().Count() != 1) throw replacement.Error($"is \"{text}\"; Metaspace's replacement is one character.");
        var addPrefixSpace = p.Get("add_prefix_space")?.AsBool();
        var scheme = p.Get("prepend_scheme") is { } s
            ? s.AsString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw s.Error($"is \"{other}\"; expected always, first or never."),
            }
            : addPrefixSpace == false ? PrependScheme.Never : PrependScheme.Always;
        if (addPrefixSpace == false && scheme != PrependScheme.Never)
            throw p.Error("sets add_prefix_space false but a prepend_scheme other than never.");
        return new MetaspacePreTokenizer(text, scheme, p.Bool("split", true));
    }
}
