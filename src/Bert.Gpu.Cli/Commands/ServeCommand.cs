using System.CommandLine;
using Bert.Gpu.Cli.Serve;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>serve</c>: an HTTP server with TEI's routes and OpenAI's embeddings route over one model (docs/SERVE.md). Each
/// flag can also be set by the environment variable TEI reads for it (<see cref="ServeSettings.Variables"/>).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Built-in model (minilm, arctic-xs), a HuggingFace model folder, a .onnx or .qbert file (env MODEL_ID; default minilm)." };
        var hostname = new Option<string?>("--hostname") { Description = "Address to listen on (env HOSTNAME; default 127.0.0.1, this machine only)." };
        var port = OptionParsers.OptionalInt("--port", "TCP port (env PORT; default 3000; 0 picks a free one and prints it).", min: 0, max: 65535);
        var device = new Option<string?>("--device", "-d") { Description = "auto, cpu, cuda, cuda:N, cuda:all, opencl or ilgpu-cpu (env DEVICE; default auto)." };
        var threads = OptionParsers.OptionalInt("--threads", "Host threads, 0 = all cores (env THREADS).", min: 0, max: 4096);
        var payload = OptionParsers.OptionalInt("--payload-limit", "Largest request body in bytes; larger is 413 (env PAYLOAD_LIMIT; default 2000000).", min: 1);
        var clientBatch = OptionParsers.OptionalInt("--max-client-batch-size", "Most inputs in one request; more is 413 (env MAX_CLIENT_BATCH_SIZE; default 32).", min: 1);
        var concurrent = OptionParsers.OptionalInt("--max-concurrent-requests", "Most inputs in flight, all requests together; more is 429 (env MAX_CONCURRENT_REQUESTS; default 512).", min: 1);
        var batchTokens = OptionParsers.OptionalInt("--max-batch-tokens", "Tokens per forward pass (env MAX_BATCH_TOKENS; default 16384).", min: 2);
        var batchRequests = OptionParsers.OptionalInt("--max-batch-requests", "Sequences per forward pass (env MAX_BATCH_REQUESTS; default 256).", min: 1);
        var autoTruncate = new Option<bool?>("--auto-truncate")
        {
            Description = "Truncate inputs over the max length unless a request says truncate=false (env AUTO_TRUNCATE; default true; --auto-truncate false turns it off).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on every route but /health (env API_KEY)." };
        var cors = new Option<string[]>("--cors-allow-origin")
        {
            Description = "Origins browsers may call from (repeat the flag; env CORS_ALLOW_ORIGIN, comma-separated; default none).",
            AllowMultipleArgumentsPerToken = false,
        };
        var precision = CommonOptions.Precision();
        var cache = CommonOptions.Cache();
        var cacheMaxBytes = CommonOptions.CacheMaxBytes();
        var command = new Command("serve", "Serve embeddings over HTTP: TEI's routes (/embed, /rerank, …) and OpenAI's /v1/embeddings.")
        {
            model, hostname, port, device, threads, payload, clientBatch, concurrent, batchTokens, batchRequests, autoTruncate, apiKey, cors,
            precision, cache, cacheMaxBytes,
        };
        command.SetAction((result, cancellation) =>
        {
            var origins = result.GetValue(cors) is { Length: > 0 } given ? given
                : ServeSettings.FromEnvironment("--cors-allow-origin")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var settings = new ServeSettings
            {
                Model = result.GetValue(model) ?? ServeSettings.FromEnvironment("--model") ?? "minilm",
                Hostname = result.GetValue(hostname) ?? ServeSettings.FromEnvironment("--hostname") ?? "127.0.0.1",
                Port = ServeSettings.Int(result.GetValue(port), "--port", 3000, 0, 65535),
                Device = result.GetValue(device) ?? ServeSettings.FromEnvironment("--device") ?? "auto",
                Threads = ServeSettings.Int(result.GetValue(threads), "--threads", 0, 0, 4096),
                PayloadLimit = ServeSettings.Int(result.GetValue(payload), "--payload-limit", 2_000_000, 1),
                MaxClientBatchSize = ServeSettings.Int(result.GetValue(clientBatch), "--max-client-batch-size", 32, 1),
                MaxConcurrentRequests = ServeSettings.Int(result.GetValue(concurrent), "--max-concurrent-requests", 512, 1),
                MaxBatchTokens = ServeSettings.Int(result.GetValue(batchTokens), "--max-batch-tokens", 16_384, 2),
                MaxBatchRequests = ServeSettings.Int(result.GetValue(batchRequests), "--max-batch-requests", 256, 1),
                AutoTruncate = ServeSettings.Bool(AutoTruncateFlag(result, autoTruncate), "--auto-truncate", true),
                ApiKey = result.GetValue(apiKey) ?? ServeSettings.FromEnvironment("--api-key"),
                CorsAllowOrigins = origins,
                Precision = result.GetValue(precision),
                Cache = result.GetValue(cache),
                CacheMaxBytes = result.GetValue(cacheMaxBytes),
            };
            return ServeHost.RunAsync(settings, cancellation);
        });
        return command;
    }

    /// <summary>A bare <c>--auto-truncate</c> is true; absent is null (then the variable or the default decides).</summary>
    private static bool? AutoTruncateFlag(ParseResult result, Option<bool?> option) =>
        result.GetResult(option) is { } given ? given.Tokens.Count == 0 || result.GetValue(option) == true : null;
}
