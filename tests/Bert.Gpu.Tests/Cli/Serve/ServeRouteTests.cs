using System.Net.Http.Json;
using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli.Serve;

/// <summary>
/// TEI's other routes held to the CLI's own commands (tokenize, hidden), and the settings read from TEI's
/// environment variables as /info reports them.
/// </summary>
public sealed class ServeRouteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("serve-routes-").FullName;

    private static readonly string[] Texts = ["The quick brown fox, isn't it?", "Héllo wörld 漢字"];

    private JsonElement[] CliLines(string command)
    {
        var input = Path.Combine(_dir, "texts.txt");
        File.WriteAllLines(input, Texts);
        var output = Path.Combine(_dir, command + ".jsonl");
        string[] device = command == "hidden" ? ["--device", "cpu"] : []; // tokenize runs no model
        var result = CliRunner.Run([command, "--model", "minilm", "--input", input, "--output", output, "--overwrite", .. device]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return [.. File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static async Task<JsonElement> Post(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task TokenizeDecodeEmbedAllInfoAndDocs_AgreeWithTheCliAndTheEnvironment()
    {
        var ids = CliLines("tokenize").Select(l => l.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var hidden = CliLines("hidden");
        using var server = await ServeProcess.StartWithAsync([("MAX_CLIENT_BATCH_SIZE", "7"), ("AUTO_TRUNCATE", "false"), ("MAX_BATCH_TOKENS", "4096")]);
        using var http = new HttpClient { BaseAddress = server.Address };

        var tokens = await Post(http, "/tokenize", new { inputs = Texts });
        for (var i = 0; i < Texts.Length; i++)
        {
            var list = tokens[i].EnumerateArray().ToArray();
            Assert.Equal(ids[i], list.Select(t => t.GetProperty("id").GetInt32()));
            Assert.True(list[0].GetProperty("special").GetBoolean() && list[^1].GetProperty("special").GetBoolean());
            // A token's text is its UTF-8 byte span of the input, as TEI's.
            var bytes = System.Text.Encoding.UTF8.GetBytes(Texts[i]);
            foreach (var t in list.Where(t => !t.GetProperty("special").GetBoolean()))
                Assert.Equal(t.GetProperty("text").GetString(), System.Text.Encoding.UTF8.GetString(bytes[t.GetProperty("start").GetInt32()..t.GetProperty("stop").GetInt32()]));
        }
        var bare = await Post(http, "/tokenize", new { inputs = Texts[0], add_special_tokens = false });
        Assert.Equal(ids[0][1..^1], bare[0].EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));

        var decoded = await Post(http, "/decode", new { ids });
        // Uncased WordPiece with HF tokenizers' clean-up, which TEI runs: it cleans each token alone, so "isn ' t" keeps
        // its spaces (transformers' Python decode cleans the whole string afterwards and gives "isn't"; TEI does not).
        Assert.Equal("the quick brown fox, isn ' t it?", decoded[0].GetString());

        var states = await Post(http, "/embed_all", new { inputs = Texts });
        for (var i = 0; i < Texts.Length; i++)
            Assert.Equal(hidden[i].GetProperty("hidden").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()),
                states[i].EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()));

        var info = JsonDocument.Parse(await http.GetStringAsync("/info")).RootElement;
        Assert.Equal(7, info.GetProperty("max_client_batch_size").GetInt32());
        Assert.False(info.GetProperty("auto_truncate").GetBoolean());
        Assert.Equal(4096, info.GetProperty("max_batch_tokens").GetInt32());
        Assert.Equal(256, info.GetProperty("max_input_length").GetInt32());
        Assert.Equal("mean", info.GetProperty("model_type").GetProperty("embedding").GetProperty("pooling").GetString());

        var docs = JsonDocument.Parse(await http.GetStringAsync("/docs")).RootElement;
        Assert.StartsWith("3.", docs.GetProperty("openapi").GetString());
        foreach (var route in (string[])["/embed", "/embed_all", "/predict", "/rerank", "/similarity", "/tokenize", "/decode", "/v1/embeddings", "/health", "/info", "/metrics"])
            Assert.True(docs.GetProperty("paths").TryGetProperty(route, out _), $"/docs lacks {route}");
    }

    private static float[][] Rows(JsonElement rows) => [.. rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray())];

    [Fact]
    public async Task TheCacheServesTheRowsAServerWithoutOneComputes_WhateverTheRequestsOptions()
    {
        using var plain = await ServeProcess.StartAsync();
        using var plainHttp = new HttpClient { BaseAddress = plain.Address };
        var normalized = Rows(await Post(plainHttp, "/embed", new { inputs = Texts }));
        var cut = Rows(await Post(plainHttp, "/embed", new { inputs = Texts, normalize = false, dimensions = 8 }));

        using var server = await ServeProcess.StartAsync("--cache", Path.Combine(_dir, "cache"));
        using var http = new HttpClient { BaseAddress = server.Address };
        Assert.Equal(normalized, Rows(await Post(http, "/embed", new { inputs = Texts })));   // computed and stored
        Assert.Equal(normalized, Rows(await Post(http, "/embed", new { inputs = Texts })));   // from the cache
        Assert.Equal(cut, Rows(await Post(http, "/embed", new { inputs = Texts, normalize = false, dimensions = 8 }))); // the same raw rows

        // Rows are stored raw, keyed by their token ids: the second and third requests hit, whatever their options.
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains($"te_cache_hits {2 * Texts.Length}\n", metrics);
        Assert.Contains($"te_cache_misses {Texts.Length}\n", metrics);
        Assert.Matches(@"te_cache_bytes [1-9]\d*\n", metrics);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
