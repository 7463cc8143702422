using Bert.Gpu.Tokenization.Decoders;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>decoder</c>.</summary>
internal static class DecoderReader
{
    /// <summary>The decoder types read here, for messages.</summary>
    public const string Supported = "WordPiece, Metaspace, ByteLevel, or none";

    /// <summary>
    /// The decoder; <see cref="JoinDecoder"/> for null. A type not implemented here still loads (encoding does not
    /// need it) and fails only when something decodes.
    /// </summary>
    public static TokenTextDecoder Read(JsonAt? decoder)
    {
        if (decoder is not { } d) return JoinDecoder.Instance;
        return d.Type() switch
        {
            "WordPiece" => new WordPieceDecoder(d.String("prefix") ?? "##", d.Bool("cleanup", true)),
            "ByteLevel" => ByteLevelDecoder.Instance,
            "Metaspace" => new MetaspaceDecoder(Replacement(d), StripsFirstSpace(d)),
            var type => new UnsupportedDecoder(type, d.File),
        };
    }

    private static char Replacement(JsonAt d)
    {
        var replacement = d.String("replacement") ?? "\u2581";
        return replacement.Length == 1 ? replacement[0] : throw d.Require("replacement").Error($"is \"{replacement}\"; expected one character.");
    }

    // Files before prepend_scheme carry add_prefix_space instead, which HF reads as "always" (true) or "never" (false).
    private static bool StripsFirstSpace(JsonAt d) =>
        d.String("prepend_scheme") is { } scheme ? scheme != "never" : d.Bool("add_prefix_space", true);
}
