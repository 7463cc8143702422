using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli.Serve;

/// <summary>
/// <c>serve</c> against independent oracles: the official OpenAI node SDK (base64 by default, float, dimensions) and
/// @huggingface/inference's featureExtraction as clients, their embeddings held to <c>embed</c>'s .npy rows. Equality
/// is exact: on the host backend the server normalizes with the backend's own arithmetic (EmbeddingRows), and a row
/// does not depend on which texts share its batch (packed, padding-free; every op row by row).
/// </summary>
public sealed class ServeClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("serve-clients-").FullName;

    private static readonly string[] Texts =
    [
        .. File.ReadLines(Path.Combine(RepoPaths.Root, "examples", "sentences.txt")).Take(5),
        "Ünïcödé, emoji 🙂 and CJK 漢字 go through the same way.",
    ];

    private float[][] EmbedRows(params string[] extra)
    {
        var input = Path.Combine(_dir, "texts.txt");
        File.WriteAllLines(input, Texts);
        var output = Path.Combine(_dir, $"out{extra.Length}.npy");
        var result = CliRunner.Run(["embed", "--input", input, "--output", output, "--device", "cpu", "--overwrite", .. extra]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var (rows, columns, values) = NpyFile.Read(output);
        return [.. Enumerable.Range(0, rows).Select(r => values.AsSpan(r * columns, columns).ToArray())];
    }

    private static float[][] Rows(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];

    [Fact]
    public async Task OpenAiSdkAndHfInference_GetEmbedsRows()
    {
        var expected = EmbedRows();
        using var server = await ServeProcess.StartAsync("--max-client-batch-size", "8");
        var textsJson = Path.Combine(_dir, "texts.json");
        File.WriteAllText(textsJson, JsonSerializer.Serialize(Texts));
        var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(RepoPaths.Root, "tests", "oracle", "serve-clients.js"), server.Address.ToString().TrimEnd('/'), textsJson])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, await stderr);
        using var clients = JsonDocument.Parse(await stdout);
        var root = clients.RootElement;
        foreach (var name in (string[])["base64", "float", "hf"])
            Assert.Equal(expected, Rows(root.GetProperty(name)));
        // dimensions: the first 64 values, renormalized (checked here in double precision).
        var cut = Rows(root.GetProperty("dimensions64"));
        for (var i = 0; i < expected.Length; i++)
        {
            var head = expected[i][..64];
            var norm = Math.Sqrt(head.Sum(v => (double)v * v));
            Assert.All(Enumerable.Range(0, 64), j => Assert.Equal(head[j] / norm, cut[i][j], 1e-6));
        }
        var tokens = CliRunner.Run("tokenize", "--input", Path.Combine(_dir, "texts.txt"), "--output", Path.Combine(_dir, "ids.jsonl"));
        Assert.Equal(0, tokens.ExitCode);
        var count = File.ReadLines(Path.Combine(_dir, "ids.jsonl")).Sum(l => JsonDocument.Parse(l).RootElement.GetArrayLength());
        Assert.Equal(count, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        // 30 inputs over --max-client-batch-size 8: TEI's 413, which the SDK raises as an APIError with the status.
        Assert.Equal(413, root.GetProperty("tooMany").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ConcurrentRequestsWithDifferentOptions_ShareTheQueue_EachGetsItsOwnRows()
    {
        var normalized = EmbedRows();
        var raw = EmbedRows("--no-normalize");
        using var server = await ServeProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        async Task<float[][]> Embed(bool normalize)
        {
            using var response = await http.PostAsJsonAsync("/embed", new { inputs = Texts, normalize });
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return Rows(body.RootElement);
        }
        var requests = Enumerable.Range(0, 8).Select(i => Embed(normalize: i % 2 == 0)).ToArray();
        var results = await Task.WhenAll(requests);
        for (var i = 0; i < results.Length; i++)
            Assert.Equal(i % 2 == 0 ? normalized : raw, results[i]);
        // Token ids as a client's tokenizer gives them ([CLS] … [SEP]) are the text's row.
        using var ids = await http.PostAsJsonAsync("/tokenize", new { inputs = Texts[0] });
        var tokenIds = JsonDocument.Parse(await ids.Content.ReadAsStringAsync()).RootElement[0].EnumerateArray().Select(t => t.GetProperty("id").GetInt32()).ToArray();
        using var byIds = await http.PostAsJsonAsync("/v1/embeddings", new { input = tokenIds, encoding_format = "float" });
        var row = JsonDocument.Parse(await byIds.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("embedding");
        Assert.Equal(normalized[0], row.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
