using System.Globalization;
using System.Text;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>
/// Every Unicode scalar value through each BERT step alone, against what HF tokenizers does
/// (tests/data/tokenizer/codepoints.txt, written by tests/oracle/gen.js), then through the full
/// uncased and cased normalizers.
/// </summary>
public sealed class CodePointTests
{
    private static readonly Dictionary<string, string[]> Expected = Load();

    public static TheoryData<string> Steps => ["clean", "chinese", "strip", "lower"];

    [Theory]
    [MemberData(nameof(Steps))]
    public void NormalizerStep_MatchesHuggingFace(string step)
    {
        var normalizer = new BertNormalizer(new BertNormalizerOptions(
            Lowercase: step == "lower", StripAccents: step == "strip", CleanText: step == "clean", HandleChineseChars: step == "chinese"));
        var expected = Expected[step];
        AssertAll(step, Normalizing(normalizer), (c, cp) => Apply(expected[cp], c));
    }

    // The full normalizers must equal the steps composed: clean, chinese, strip (uncased only), lower.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FullNormalizer_IsTheStepsComposed(bool lowercase)
    {
        var normalizer = new BertNormalizer(new BertNormalizerOptions(Lowercase: lowercase));
        AssertAll(lowercase ? "uncased" : "cased", Normalizing(normalizer), (c, cp) =>
        {
            var text = Apply(Expected["clean"][cp], c);
            text = Map(text, "chinese");
            return lowercase ? Map(Map(text, "strip"), "lower") : text;
        });
    }

    [Fact]
    public void PreTokenizer_MatchesHuggingFace()
    {
        var expected = Expected["split"];
        AssertAll("split", (c, _) =>
        {
            var count = 0;
            BertPreTokenizer.Split("a" + c + "a", ref count, static (_, _, ref n) => n++);
            return count switch { 1 => "word", 2 => "ws", 3 => "punct", _ => $"{count} pieces" };
        }, (_, cp) => expected[cp]);
    }

    private static Func<string, int, string> Normalizing(BertNormalizer normalizer)
    {
        var output = new StringBuilder();
        return (c, _) =>
        {
            output.Clear();
            normalizer.Normalize(c, output);
            return output.ToString();
        };
    }

    private static string Map(string text, string step)
    {
        // Nearly every code point maps to itself: skip the builder for a single one.
        if (text.Length is 1 or 2 && Rune.DecodeFromUtf16(text, out var single, out var used) == System.Buffers.OperationStatus.Done && used == text.Length)
            return Apply(Expected[step][single.Value], text);
        var output = new StringBuilder();
        foreach (var rune in text.EnumerateRunes()) output.Append(Apply(Expected[step][rune.Value], rune.ToString()));
        return output.ToString();
    }

    private static void AssertAll(string what, Func<string, int, string> actual, Func<string, int, string> expected)
    {
        var failures = new StringBuilder();
        var failed = 0;
        for (var cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            var c = char.ConvertFromUtf32(cp);
            var (a, e) = (actual(c, cp), expected(c, cp));
            if (a == e) continue;
            if (++failed <= 20) failures.AppendLine($"  U+{cp:X4}: expected {Hex(e)}, got {Hex(a)}");
        }
        Assert.True(failed == 0, $"{what}: {failed} code points differ from HF tokenizers (first 20):\n{failures}");
    }

    // `c` is the code point as a string.
    private static string Apply(string result, string c) => result switch
    {
        "keep" => c,
        "drop" => "",
        "space" => " ",
        "pad" => " " + c + " ",
        _ when result[0] == '=' => string.Concat(result[1..].Split(' ').Select(h => char.ConvertFromUtf32(int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))),
        _ => result,
    };

    private static string Hex(string text) => text.Length == 0 ? "(nothing)" : string.Join(" ", text.EnumerateRunes().Select(r => $"{r.Value:X4}"));

    // codepoints.txt: "STEP FIRST[-LAST] RESULT" lines, one array slot per code point.
    private static Dictionary<string, string[]> Load()
    {
        var tables = new Dictionary<string, string[]>();
        var lineNumber = 0;
        var path = TokenizerTestData.PathOf("codepoints.txt");
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith('#')) continue;
            var parts = line.Split(' ', 3);
            var range = parts[1].Split('-');
            var first = int.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = range.Length > 1 ? int.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : first;
            if (!tables.TryGetValue(parts[0], out var table)) tables[parts[0]] = table = new string[0x110000];
            for (var cp = first; cp <= last; cp++) table[cp] = parts[2];
        }
        foreach (var (step, table) in tables)
        {
            var missing = Array.FindIndex(table, (r) => r is null);
            while (missing is >= 0xD800 and <= 0xDFFF) missing = Array.FindIndex(table, missing + 1, r => r is null);
            Assert.True(missing < 0, $"{path}: step {step} has no line for U+{missing:X4}; regenerate it with tests/oracle/gen.js.");
        }
        return tables;
    }
}
