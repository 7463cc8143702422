using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli.Serve;

/// <summary>TEI's limits and error shapes, and requests that must be a 4xx with a message — never a 500, never a crash.</summary>
public sealed class ServeLimitTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post(HttpClient http, string path, string json, string? key = "secret")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Send(http, request);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void TeiError((HttpStatusCode Status, JsonElement Body) answer, int status, string type, string? says = null)
    {
        Assert.Equal(status, (int)answer.Status);
        Assert.Equal(type, answer.Body.GetProperty("error_type").GetString());
        var message = answer.Body.GetProperty("error").GetString()!;
        Assert.NotEmpty(message);
        if (says is not null)
            Assert.Contains(says, message);
    }

    [Fact]
    public async Task Limits_Auth_AndBadRequests_AnswerTeisCodes_AndTheServerStaysUp()
    {
        using var server = await ServeProcess.StartAsync("--max-client-batch-size", "4", "--payload-limit", "4000",
            "--max-concurrent-requests", "3", "--api-key", "secret", "--auto-truncate", "false");
        using var http = new HttpClient { BaseAddress = server.Address };
        using (var health = await http.GetAsync("/health"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode); // open without the key
        TeiError(await Post(http, "/embed", "{\"inputs\":\"a\"}", key: null), 401, "unauthorized");
        TeiError(await Post(http, "/embed", "{\"inputs\":\"a\"}", key: "wrong"), 401, "unauthorized");
        TeiError(await Post(http, "/embed", "{\"inputs\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"), 413, "validation", "batch size 5 > maximum allowed batch size 4");
        TeiError(await Post(http, "/embed", JsonSerializer.Serialize(new { inputs = new string('x', 5000) })), 413, "validation", "payload limit");
        // Four inputs need four permits of three: TEI's 429, on the OpenAI route in OpenAI's shape.
        TeiError(await Post(http, "/embed", "{\"inputs\":[\"a\",\"b\",\"c\",\"d\"]}"), 429, "overloaded", "Model is overloaded");
        var openAi = await Post(http, "/v1/embeddings", "{\"input\":[\"a\",\"b\",\"c\",\"d\"]}");
        Assert.Equal(HttpStatusCode.TooManyRequests, openAi.Status);
        Assert.Equal(429, openAi.Body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Model is overloaded", openAi.Body.GetProperty("error").GetProperty("message").GetString());
        // 300 words with --auto-truncate false: too long unless the request says truncate.
        var words = string.Join(' ', Enumerable.Repeat("word", 300));
        TeiError(await Post(http, "/embed", JsonSerializer.Serialize(new { inputs = words })), 413, "validation", "must have at most 256 tokens");
        Assert.Equal(HttpStatusCode.OK, (await Post(http, "/embed", JsonSerializer.Serialize(new { inputs = words, truncate = true }))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Post(http, "/embed", JsonSerializer.Serialize(new { inputs = words, truncate = true, truncation_direction = "left" }))).Status);

        (string Path, string Body, int Status, string Type, string Says)[] refused =
        [
            ("/embed", "{\"inputs\": [\"a\"", 400, "validation", "not valid UTF-8 JSON"),
            ("/embed", "[1, 2]", 422, "validation", "send an object"),
            ("/embed", "{\"inputs\": 3}", 422, "validation", "`inputs` is a JSON number"),
            ("/embed", "{\"inputs\": \"a\", \"normalize\": \"yes\"}", 422, "validation", "`normalize` is a JSON string"),
            ("/embed", "{\"inputs\": \"a\", \"dimensions\": 0}", 422, "validation", "`dimensions` is 0"),
            ("/embed", "{\"inputs\": \"a\", \"truncation_direction\": \"up\"}", 422, "validation", "`truncation_direction` is 'up'"),
            ("/embed", "{}", 422, "validation", "Missing field `inputs`"),
            ("/embed", "{\"inputs\": []}", 400, "empty", "`inputs` cannot be empty"),
            ("/embed", "{\"inputs\": [101, 99999999, 102]}", 422, "tokenizer", "outside the vocabulary"),
            ("/embed", "{\"inputs\": [101, -1, 102]}", 422, "validation", "token ids are whole numbers"),
            ("/rerank", "{\"query\": \"q\", \"texts\": [1]}", 422, "validation", "`texts[0]` is a JSON number"),
            ("/similarity", "{\"inputs\": {\"source_sentence\": \"a\"}}", 422, "validation", "Missing field `inputs.sentences`"),
            ("/decode", "{\"ids\": []}", 400, "empty", "`ids` cannot be empty"),
            ("/predict", "{\"inputs\": \"a\"}", 424, "backend", "not a classifier model"),
            ("/nowhere", "{}", 404, "validation", "GET /docs lists the routes"),
        ];
        foreach (var (path, body, status, type, says) in refused)
            TeiError(await Post(http, path, body), status, type, says);
        using (var invalid = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new ByteArrayContent([.. "{\"inputs\":\""u8, 0xff, 0xfe, .. "\"}"u8]) })
        {
            invalid.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            invalid.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
            TeiError(await Send(http, invalid), 400, "validation", "not valid UTF-8");
        }
        // As TEI (axum's Json extractor): a body not declared JSON is 415, whatever it holds; a charset or +json type is JSON.
        foreach (var (type, status) in ((string?, int)[])[("text/plain", 415), (null, 415), ("application/x-www-form-urlencoded", 415),
                     ("application/json; charset=utf-8", 200), ("application/vnd.api+json", 200)])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new ByteArrayContent("{\"inputs\": \"a\"}"u8.ToArray()) };
            if (type is not null)
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
            var answer = await Send(http, request);
            if (status == 200)
                Assert.Equal(HttpStatusCode.OK, answer.Status);
            else
                TeiError(answer, status, "validation", "Content-Type: application/json");
        }
        // Still up, and the metrics counted the refusals by TEI's reasons.
        using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metrics.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
        using var scraped = await http.SendAsync(metrics);
        var text = await scraped.Content.ReadAsStringAsync();
        Assert.Contains("te_request_failure{err=\"batch_size\"} 1", text);
        Assert.Contains("te_request_failure{err=\"overloaded\"} 2", text);
        Assert.Contains("te_request_success{method=\"single\"} 4", text); // two truncated texts, two JSON content types
        Assert.Contains("te_batch_next_size_count", text);
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task Sigterm_AnswersTheRequestsInFlight_ThenExitsZero()
    {
        using var server = await ServeProcess.StartAsync("--payload-limit", "20000000");
        using var http = new HttpClient { BaseAddress = server.Address };
        // A 10 MB text under a payload limit that lets it in: truncated at tokenization (which stops at the limit), one row.
        var huge = (await Post(http, "/embed", JsonSerializer.Serialize(new { inputs = string.Concat(Enumerable.Repeat("ten million ", 833_334)) }), key: null)).Body;
        Assert.Equal(384, huge[0].GetArrayLength());
        var texts = Enumerable.Range(0, 32).Select(i => string.Join(' ', Enumerable.Repeat($"sentence {i} of a long request", 40))).ToArray();
        var inFlight = http.PostAsync("/embed", new StringContent(JsonSerializer.Serialize(new { inputs = texts }), Encoding.UTF8, "application/json"));
        await ServeProcess.WaitForQueueAsync(http, texts.Length); // queued: 32 × 256 tokens take seconds on 2 cores
        var (exitCode, stderr) = await server.TerminateAsync();
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(32, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength());
        Assert.Equal(0, exitCode);
        Assert.Contains("stopped after the requests in flight were answered", stderr);
    }

    [Fact]
    public async Task AClientThatLeaves_HasItsQueuedSequencesDropped_AndCorsAllowsOnlyTheGivenOrigin()
    {
        // 512 tokens a pass: two of the 32 long texts at a time, so most are still queued when the client leaves.
        using var server = await ServeProcess.StartAsync("--max-batch-tokens", "512", "--cors-allow-origin", "https://docs.example");
        using var http = new HttpClient { BaseAddress = server.Address };
        foreach (var (origin, allowed) in new[] { ("https://docs.example", true), ("https://elsewhere.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/embed");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            using var answer = await http.SendAsync(preflight);
            Assert.Equal(allowed, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
        var texts = Enumerable.Range(0, 32).Select(i => string.Join(' ', Enumerable.Repeat($"text {i} waits in the queue", 60))).ToArray();
        using (var leave = new CancellationTokenSource())
        {
            var sent = http.PostAsync("/embed", new StringContent(JsonSerializer.Serialize(new { inputs = texts }), Encoding.UTF8, "application/json"), leave.Token);
            await ServeProcess.WaitForQueueAsync(http, texts.Length);
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // what is still computing finishes; the rest must not start
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("te_request_failure{err=\"cancelled\"} 1", metrics);
        // No pass finished at all (a loaded machine) leaves the histogram out: none computed.
        var sum = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("te_batch_next_size_sum ", StringComparison.Ordinal));
        var computed = sum is null ? 0 : double.Parse(sum.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(computed < texts.Length / 2, $"{computed} of {texts.Length} sequences were computed for a client that had left");
    }

    [Theory]
    [InlineData("cpu", "fp32")]
    [InlineData("ilgpu-cpu", "fp16")] // the precision reaches the task routes too: fp16 rows differ from fp32 ones by ~3e-5
    public async Task PredictAndRerank_OnAClassifierCheckpoint_GiveTheClassifyAndRerankCommandsScores(string device, string precision)
    {
        var model = RepoPaths.Data("heads", "bert-seqcls");
        string[] on = ["--device", device, "--precision", precision];
        var dir = Directory.CreateTempSubdirectory("serve-heads-").FullName;
        try
        {
            string[] texts = ["the cat sat", "a dog ran far", "stocks"];
            File.WriteAllLines(Path.Combine(dir, "texts.txt"), texts);
            var rerank = CliRunner.Run(["rerank", "--model", model, "--query", "where is the cat", "--input", Path.Combine(dir, "texts.txt"), "--output", Path.Combine(dir, "rerank.jsonl"), .. on]);
            Assert.True(rerank.ExitCode == 0, rerank.StandardError);
            var classify = CliRunner.Run(["classify", "--model", model, "--input", Path.Combine(dir, "texts.txt"), "--output", Path.Combine(dir, "classify.jsonl"), .. on]);
            Assert.True(classify.ExitCode == 0, classify.StandardError);
            using var server = await ServeProcess.StartAsync(["--model", model, .. on]);
            using var http = new HttpClient { BaseAddress = server.Address };
            var ranked = (await Post(http, "/rerank", JsonSerializer.Serialize(new { query = "where is the cat", texts, return_text = true }))).Body;
            var expected = File.ReadLines(Path.Combine(dir, "rerank.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .ToDictionary(e => e.GetProperty("index").GetInt32(), e => e.GetProperty("score").GetSingle());
            Assert.Equal(texts.Length, ranked.GetArrayLength());
            Assert.Equal(expected.OrderByDescending(p => p.Value).Select(p => p.Key), ranked.EnumerateArray().Select(r => r.GetProperty("index").GetInt32()));
            foreach (var r in ranked.EnumerateArray())
            {
                Assert.Equal(expected[r.GetProperty("index").GetInt32()], r.GetProperty("score").GetSingle());
                Assert.Equal(texts[r.GetProperty("index").GetInt32()], r.GetProperty("text").GetString());
            }
            var predicted = (await Post(http, "/predict", JsonSerializer.Serialize(new { inputs = new object[] { texts[0], texts[1], texts[2] } }))).Body;
            var lines = File.ReadLines(Path.Combine(dir, "classify.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            for (var i = 0; i < texts.Length; i++)
            {
                var best = predicted[i][0];
                Assert.Equal(lines[i].GetProperty("label").GetString(), best.GetProperty("label").GetString());
                Assert.Equal(lines[i].GetProperty("score").GetSingle(), best.GetProperty("score").GetSingle());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
