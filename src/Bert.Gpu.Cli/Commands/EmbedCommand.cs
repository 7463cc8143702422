using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Model;

namespace Bert.Gpu.Cli.Commands;

/// <summary><c>embed</c>: one embedding per input line, streamed to .npy or .jsonl.</summary>
internal static class EmbedCommand
{
    /// <summary>Texts read, tokenized and embedded together; bounds memory however large the input is.</summary>
    private const int ChunkTexts = 2048;

    public static Command Create()
    {
        var input = CommonOptions.Input();
        var output = CommonOptions.Output(".npy: float32 [N, D]; .jsonl: {\"embedding\":[...]} per line");
        var model = CommonOptions.Model();
        var maxLength = CommonOptions.MaxLength();
        var device = new Option<string>("--device", "-d")
        {
            Description = "auto, cpu, cuda, opencl or ilgpu-cpu (kernel debugging only).",
            DefaultValueFactory = _ => "auto",
        };
        device.AcceptOnlyFromAmong([.. BackendFactory.DeviceNames]);
        var pooling = new Option<PoolingMode?>("--pooling") { Description = "cls, mean or max (default: the model's)." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep raw pooled vectors instead of unit-length ones." };
        var statsJson = new Option<FileInfo?>("--stats-json") { Description = "Also write the summary as JSON to this file." };
        var threads = new Option<int>("--threads") { Description = "Host threads (0 = all cores).", DefaultValueFactory = _ => 0 };

        var command = new Command("embed", "Embed every line of a text file.")
        {
            input, output, model, device, pooling, noNormalize, maxLength, statsJson, threads,
        };
        command.SetAction(result => Run(
            CommonOptions.RequireInput(result.GetRequiredValue(input)),
            result.GetRequiredValue(output),
            result.GetRequiredValue(model),
            result.GetRequiredValue(device),
            result.GetValue(pooling),
            !result.GetValue(noNormalize),
            result.GetValue(maxLength),
            result.GetValue(statsJson),
            result.GetValue(threads)));
        return command;
    }

    private static int Run(FileInfo input, FileInfo output, string modelSpec, string device, PoolingMode? pooling,
        bool normalize, int? maxLength, FileInfo? statsJson, int threads)
    {
        var format = output.Extension.ToLowerInvariant();
        if (format is not (".npy" or ".jsonl"))
            throw new CliException($"{output.Name}: unknown output format '{output.Extension}'; use .npy or .jsonl.");

        var model = CommonOptions.LoadModel(modelSpec);
        var options = new EmbedderOptions
        {
            Pooling = pooling,
            Normalize = normalize,
            MaxLength = CommonOptions.ResolveMaxLength(maxLength, model),
        };
        using var backend = BackendFactory.Create(device, threads);
        using var embedder = new Embedder(model, backend, options);
        using var file = new AtomicOutputFile(output.FullName);
        IEmbeddingWriter writer = format == ".npy"
            ? new NpyWriter(file.Stream, embedder.Dimension)
            : new JsonlEmbeddingWriter(file.Stream, embedder.Dimension);

        var clock = Stopwatch.StartNew();
        long texts = 0, tokens = 0;
        foreach (var chunk in File.ReadLines(input.FullName).Chunk(ChunkTexts))
        {
            var result = embedder.EmbedAsync(chunk).GetAwaiter().GetResult();
            writer.Write(result.Rows);
            texts += chunk.Length;
            tokens += result.Tokens;
        }
        writer.Complete();
        var seconds = clock.Elapsed.TotalSeconds;
        file.Commit();

        var stats = new EmbedStats(texts, tokens, seconds, seconds > 0 ? tokens / seconds : 0, embedder.DeviceName);
        Console.Error.WriteLine($"{stats.Texts} texts, {stats.Tokens} tokens in {stats.Seconds:F2} s: {stats.TokensPerSecond:F0} tokens/s on {stats.Device}");
        if (statsJson is not null)
            File.WriteAllText(statsJson.FullName, JsonSerializer.Serialize(stats, EmbedStats.JsonOptions) + "\n");
        return 0;
    }

    private sealed record EmbedStats(long Texts, long Tokens, double Seconds, double TokensPerSecond, string Device)
    {
        public static readonly JsonSerializerOptions JsonOptions = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
        };
    }
}
