using System.Text;
using CsCheck;

namespace Bert.Gpu.Tests.Properties;

/// <summary>Generators of texts and bytes that go where readers and the tokenizer break: separators, quotes, escapes, line ends, marks, surrogates.</summary>
internal static class TextGen
{
    // Pieces the readers and the tokenizer treat specially, mixed with arbitrary code points.
    private static readonly string[] Tricky =
    [
        " ", "\t", ",", "\"", "\"\"", "\\", "\\u", "\n", "\r", "\r\n", "\n\n", "{", "}", "[SEP]", "[CLS]", "[MASK]", "##", "\0", "\u0007",
        "\u0085", "\u00a0", "\u00ad", "\u200b", "\u200d", "\u2028", "\ufeff", "\ufffd", "é", "e\u0301", "İ", "ß", "Σ", "日本", "我",
        "😀", "👨\u200d👩\u200d👧", "🇫🇷", "नमस्ते", "مرحبا", "Supercalifragilisticexpialidocious", "don't", "http://a.b/c?d=e",
    ];

    /// <summary>One Unicode scalar value (never half a surrogate pair), from the whole range.</summary>
    private static readonly Gen<string> Scalar = Gen.Frequency(
        (4, Gen.Int[0x20, 0x7E].Select(c => ((char)c).ToString())),
        (2, Gen.Int[0x80, 0xD7FF].Select(c => ((char)c).ToString())),
        (1, Gen.Int[0xE000, 0xFFFF].Select(c => ((char)c).ToString())),
        (1, Gen.Int[0x10000, 0x10FFFF].Select(c => char.ConvertFromUtf32(c))));

    /// <summary>Valid Unicode text (writable as UTF-8) of up to <paramref name="pieces"/> pieces.</summary>
    public static Gen<string> Unicode(int pieces = 24) =>
        Gen.Frequency((3, Scalar), (1, Gen.OneOf(Tricky.Select(Gen.Const).ToArray<IGen<string>>())))
            .Array[0, pieces].Select(parts => string.Concat(parts));

    /// <summary>Any UTF-16 string, lone surrogates included: what a caller holding a string can pass.</summary>
    public static Gen<string> AnyString(int pieces = 24) =>
        Gen.Frequency((6, Unicode(1)), (1, Gen.Char.Select(c => c.ToString())))
            .Array[0, pieces].Select(parts => string.Concat(parts));

    /// <summary>Bytes that are mostly structure (the separators and escapes of lines, JSON and CSV) and partly noise, invalid UTF-8 included.</summary>
    public static Gen<byte[]> StructuredBytes(int pieces = 40) =>
        Gen.Frequency(
                (4, Unicode(2).Select(s => Encoding.UTF8.GetBytes(s))),
                (3, Gen.OneOf(new[] { "\n", "\r\n", "\"", ",", "{", "}", ":", "\"text\"", "\\ud800", "\\udc00", "\\\"", "[", "]", "null", "\ufeff" }
                    .Select(s => Gen.Const(Encoding.UTF8.GetBytes(s))).ToArray<IGen<byte[]>>())),
                (1, Gen.Byte.Array[1, 3]))
            .Array[0, pieces].Select(parts => parts.SelectMany(p => p).ToArray());
}
