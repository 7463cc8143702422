using System.Text;
using System.Text.Json;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>
/// Every row of the HF-generated pipeline fixtures (tests/oracle/gen-pipelines.js) must come out id for id, type id
/// for type id and offset for offset, from the tokenizer.json HF itself loaded.
/// </summary>
public sealed class PipelineFixtureTests
{
    [Theory]
    [InlineData("roberta", 600)]
    [InlineData("bytelevel", 400)]
    [InlineData("xlmr", 600)]
    [InlineData("albert", 400)]
    [InlineData("bpe-subword", 200)]
    [InlineData("llama", 200)]
    [InlineData("bpe-misc", 100)]
    [InlineData("unigram-features", 200)]
    [InlineData("nfc", 80)]
    [InlineData("nfd", 80)]
    [InlineData("nfkc", 80)]
    [InlineData("nfkd", 80)]
    public void Pipeline_MatchesHuggingFace(string name, int minimumRows) => AssertRows(name, TokenizerTestData.Pipeline(name), minimumRows);

    // BertTokenizer's offsets (its ids are checked on the larger fixture.jsonl too).
    [Fact]
    public void BertUncased_MatchesHuggingFace() => AssertRows("bert-uncased", TokenizerTestData.Uncased, 400);

    private static void AssertRows(string name, ITokenizer tokenizer, int minimumRows)
    {
        var rows = 0;
        var failed = 0;
        var failures = new StringBuilder();
        foreach (var line in File.ReadLines(TokenizerTestData.PipelinePath($"{name}.jsonl")))
        {
            rows++;
            using var doc = JsonDocument.Parse(line);
            var row = doc.RootElement;
            var text = row.GetProperty("text").GetString()!;
            var pair = row.TryGetProperty("pair", out var p) ? p.GetString() : null;
            var maxLength = row.TryGetProperty("max_length", out var m) ? m.GetInt32() : int.MaxValue;
            var expectedIds = Ints(row.GetProperty("ids"));
            var expectedTypes = Ints(row.GetProperty("type_ids"));
            var expectedOffsets = Ints(row.GetProperty("offsets"));
            var actual = pair is null ? tokenizer.Encode(text, maxLength) : tokenizer.Encode(text, pair, maxLength);
            int[] actualOffsets = [.. actual.Offsets!.SelectMany(o => (int[])[o.Start, o.End])];
            if (actual.Ids.SequenceEqual(expectedIds) && actual.TypeIds.SequenceEqual(expectedTypes) && actualOffsets.SequenceEqual(expectedOffsets)) continue;
            if (++failed > 8) continue;
            failures.AppendLine($"{name}.jsonl:{rows} max_length={maxLength} text={JsonSerializer.Serialize(text)}{(pair is null ? "" : " pair=" + JsonSerializer.Serialize(pair))}");
            failures.AppendLine($"  expected {Describe(tokenizer, expectedIds, expectedOffsets)} types [{string.Join(",", expectedTypes)}]");
            failures.AppendLine($"  actual   {Describe(tokenizer, actual.Ids, actualOffsets)} types [{string.Join(",", actual.TypeIds)}]");
        }
        Assert.True(rows >= minimumRows, $"{name}.jsonl has only {rows} rows; regenerate it with tests/oracle/gen-pipelines.js.");
        Assert.True(failed == 0, $"{failed} of {rows} encodings differ from HF tokenizers (first 8):\n{failures}");
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static string Describe(ITokenizer tokenizer, int[] ids, int[] offsets) =>
        string.Join(" ", ids.Select((id, i) => $"{(id < tokenizer.VocabSize ? tokenizer.IdToToken(id) : $"#{id}")}@{(2 * i + 1 < offsets.Length ? $"{offsets[2 * i]}-{offsets[2 * i + 1]}" : "?")}"));
}
