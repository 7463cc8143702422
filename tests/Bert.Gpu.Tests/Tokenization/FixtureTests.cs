using System.Text;
using System.Text.Json;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>Every row of the HF-generated fixtures (tests/oracle/gen.js) must come out id for id.</summary>
public sealed class FixtureTests
{
    [Fact]
    public void Fixture_MatchesHuggingFace() => AssertRows("fixture.jsonl", minimumRows: 2800);

    // Texts from fortune files that played no part in development.
    [Fact]
    public void HeldOut_MatchesHuggingFace() => AssertRows("heldout.jsonl", minimumRows: 700);

    private static void AssertRows(string file, int minimumRows)
    {
        var rows = 0;
        var failures = new StringBuilder();
        var failed = 0;
        foreach (var line in File.ReadLines(TokenizerTestData.PathOf(file)))
        {
            rows++;
            using var doc = JsonDocument.Parse(line);
            var row = doc.RootElement;
            var text = row.GetProperty("text").GetString()!;
            var pair = row.TryGetProperty("pair", out var p) ? p.GetString() : null;
            var maxLength = row.TryGetProperty("max_length", out var m) ? m.GetInt32() : int.MaxValue;
            foreach (var (name, tokenizer) in (ReadOnlySpan<(string, BertTokenizer)>)[("uncased", TokenizerTestData.Uncased), ("cased", TokenizerTestData.Cased)])
            {
                var expected = row.GetProperty(name);
                var expectedIds = Ints(expected.GetProperty("ids"));
                var expectedTypes = Ints(expected.GetProperty("type_ids"));
                var actual = pair is null ? tokenizer.Encode(text, maxLength) : tokenizer.Encode(text, pair, maxLength);
                if (actual.Ids.SequenceEqual(expectedIds) && actual.TypeIds.SequenceEqual(expectedTypes)) continue;
                if (++failed > 10) continue;
                failures.AppendLine($"{file}:{rows} {name} max_length={maxLength} text={JsonSerializer.Serialize(text)}{(pair is null ? "" : " pair=" + JsonSerializer.Serialize(pair))}");
                failures.AppendLine($"  expected {Describe(tokenizer, expectedIds)} types [{string.Join(",", expectedTypes)}]");
                failures.AppendLine($"  actual   {Describe(tokenizer, actual.Ids)} types [{string.Join(",", actual.TypeIds)}]");
            }
        }
        Assert.True(rows >= minimumRows, $"{file} has only {rows} rows; regenerate it with tests/oracle/gen.js.");
        Assert.True(failed == 0, $"{failed} encodings differ from HF tokenizers (first 10):\n{failures}");
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static string Describe(BertTokenizer tokenizer, int[] ids) =>
        string.Join(" ", ids.Select(id => id < tokenizer.VocabSize ? tokenizer.IdToToken(id) : $"#{id}"));
}
