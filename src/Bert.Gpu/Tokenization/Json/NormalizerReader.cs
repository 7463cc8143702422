using Bert.Gpu.Tokenization.Normalizers;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>normalizer</c>.</summary>
internal static class NormalizerReader
{
    private const string Supported = "Sequence, Precompiled, NFC, NFD, NFKC, NFKD, StripAccents, Lowercase, Replace, Strip, Prepend, Nmt";

    /// <summary>The normalizer, or null for none.</summary>
    public static INormalizer? Read(JsonAt? normalizer) => normalizer is { } n ? Read(n) : null;

    private static INormalizer Read(JsonAt n) => n.Type() switch
    {
        "Sequence" => new NormalizerSequence([.. n.Require("normalizers").Items().Select(Read)]),
        "Precompiled" => Precompiled(n.Require("precompiled_charsmap")),
        "Replace" => new ReplaceNormalizer(Pattern(n.Require("pattern")), n.Require("content").AsString()),
        "Strip" => new StripNormalizer(n.Bool("strip_left", true), n.Bool("strip_right", true)),
        "Prepend" => new PrependNormalizer(n.Require("prepend").AsString()),
        "Lowercase" => LowercaseNormalizer.Instance,
        "NFC" => new UnicodeNormalizer(UnicodeForm.Nfc),
        "NFD" => new UnicodeNormalizer(UnicodeForm.Nfd),
        "NFKC" => new UnicodeNormalizer(UnicodeForm.Nfkc),
        "NFKD" => new UnicodeNormalizer(UnicodeForm.Nfkd),
        "StripAccents" => StripAccentsNormalizer.Instance,
        "Nmt" => NmtNormalizer.Instance,
        _ => throw n.Unsupported("normalizer", Supported),
    };

    private static PrecompiledNormalizer Precompiled(JsonAt charsMap)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(charsMap.AsString());
        }
        catch (FormatException)
        {
            throw charsMap.Error("is not base64; it should hold SentencePiece's precompiled_charsmap.");
        }
        return PrecompiledCharsMap.Parse(bytes, out var problem) is { } map
            ? new PrecompiledNormalizer(map)
            : throw charsMap.Error($"{problem}; it is not a SentencePiece precompiled_charsmap.");
    }

    /// <summary>A Replace or Split pattern: <c>{"String": ...}</c> or <c>{"Regex": ...}</c>.</summary>
    public static TextPattern Pattern(JsonAt pattern)
    {
        if (pattern.Get("String") is { } literal) return TextPattern.Literal(literal.AsString());
        if (pattern.Get("Regex") is not { } regex) throw pattern.Error("is neither {\"String\": ...} nor {\"Regex\": ...}.");
        var text = regex.AsString();
        try
        {
            return TextPattern.Regex(text);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw regex.Error($"is /{text}/, which .NET's linear-time regex engine cannot run ({e.Message}); lookarounds and backreferences are not supported.");
        }
    }
}
