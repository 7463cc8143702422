using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bert.Gpu.Cli.Serve;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tests.Tokenization;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Cli.Serve;

/// <summary>
/// /decode against HuggingFace tokenizers' own <c>decode</c>: every row of tests/data/tokenizer/decodes.jsonl
/// (tests/oracle/gen-decodes.js: ids HF encoded, and HF's text of them with skip_special_tokens true and false) for
/// every tokenizer kind serve loads, with the tokenizer loaded as serve loads a model folder.
/// </summary>
public sealed class TokenDecoderTests
{
    private sealed record Row(string Tokenizer, bool? Lowercase, string Text, int[] Ids, string Skip, string Keep);

    private static readonly Row[] Rows = [.. File.ReadLines(RepoPaths.Data("tokenizer", "decodes.jsonl")).Select(line =>
    {
        var row = JsonDocument.Parse(line).RootElement;
        return new Row(row.GetProperty("tokenizer").GetString()!, row.TryGetProperty("lowercase", out var l) ? l.GetBoolean() : null,
            row.GetProperty("text").GetString()!, [.. row.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
            row.GetProperty("skip").GetString()!, row.GetProperty("keep").GetString()!);
    })];

    // serve's Tokenizers.FromDirectory reads a folder's tokenizer.json, else its vocab.txt as BERT's (uncased without a
    // tokenizer_config.json); vocab-uncased.txt is read both ways, as gen-decodes.js has HF read it.
    private static ITokenizer Load(Row row) => row.Tokenizer switch
    {
        "tokenizer/vocab-uncased.txt" => row.Lowercase == true ? TokenizerTestData.Uncased : TokenizerTestData.Cased,
        var path when path.EndsWith("/tokenizer.json", StringComparison.Ordinal) && path.StartsWith("families/", StringComparison.Ordinal)
            => Tokenizers.FromDirectory(Path.GetDirectoryName(RepoPaths.Data(path))!),
        var path when path.EndsWith(".tokenizer.json", StringComparison.Ordinal) => Tokenizers.FromTokenizerJson(RepoPaths.Data(path)),
        var path when path.EndsWith("/vocab.txt", StringComparison.Ordinal) => Tokenizers.FromDirectory(Path.GetDirectoryName(RepoPaths.Data(path))!),
        var path => throw new InvalidOperationException($"decodes.jsonl names {path}, which this test cannot load; teach Load how serve reads it."),
    };

    [Fact]
    public void EveryFixtureRow_DecodesAsHuggingFace_WithAndWithoutSpecialTokens()
    {
        Assert.True(Rows.Length >= 250, $"decodes.jsonl has only {Rows.Length} rows; regenerate it with tests/oracle/gen-decodes.js.");
        var failures = new StringBuilder();
        var failed = 0;
        foreach (var group in Rows.GroupBy(r => (r.Tokenizer, r.Lowercase)))
        {
            var decoder = new TokenDecoder(Load(group.First()));
            foreach (var row in group)
            {
                foreach (var (skip, expected) in (ReadOnlySpan<(bool, string)>)[(true, row.Skip), (false, row.Keep)])
                {
                    var actual = decoder.Decode(row.Ids, skip, 0);
                    if (actual == expected || ++failed > 10) continue;
                    failures.AppendLine($"{row.Tokenizer}{(row.Lowercase is { } l ? $" lowercase={l}" : "")} skip={skip} text={JsonSerializer.Serialize(row.Text)}");
                    failures.AppendLine($"  HF   {JsonSerializer.Serialize(expected)}");
                    failures.AppendLine($"  ours {JsonSerializer.Serialize(actual)}");
                }
            }
        }
        Assert.True(failed == 0, $"{failed} of {2 * Rows.Length} decodes differ from HF tokenizers (first 10):\n{failures}");
    }

    [Fact]
    public async Task TheRoute_DecodesARobertaFoldersIds_AsHuggingFace()
    {
        var rows = Rows.Where(r => r.Tokenizer == "families/roberta/tokenizer.json").ToArray();
        Assert.NotEmpty(rows);
        using var server = await ServeProcess.StartAsync("--model", RepoPaths.Data("families", "roberta"));
        using var http = new HttpClient { BaseAddress = server.Address };
        foreach (var skip in (bool[])[true, false])
        {
            using var response = await http.PostAsJsonAsync("/decode", new { ids = rows.Select(r => r.Ids), skip_special_tokens = skip });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"/decode: {(int)response.StatusCode} {body}");
            Assert.Equal(rows.Select(r => skip ? r.Skip : r.Keep), JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.GetString()));
        }
    }
}
