using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Progress;
using Bert.Gpu.Model;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>embed</c>: one embedding per input text, streamed: the input is read lazily, a few chunks are in flight in the
/// shared batch scheduler at once (the next is tokenized while the current computes), and rows are written in input
/// order as their chunk completes, so memory stays bounded however large the input.
/// </summary>
internal static class EmbedCommand
{
    /// <summary>Texts handed to the scheduler at once; the unit of writing and of resuming.</summary>
    private const int ChunkTexts = 1024;

    /// <summary>Chunks queued or computing at once: enough to keep the devices fed, few enough to bound memory.</summary>
    private const int ChunksInFlight = 3;

    private sealed record Settings(FileInfo Input, FileInfo Output, string Model, string Device, PoolingMode? Pooling,
        bool Normalize, int? MaxLength, FileInfo? StatsJson, int Threads, string? TextField, string? TextColumn, bool Resume,
        int? MaxBatchTokens, int MaxBatchSize, LongTextMode LongText, int? Stride);

    public static Command Create()
    {
        var input = CommonOptions.Input();
        var output = CommonOptions.Output(OutputJob.Formats);
        var model = CommonOptions.Model();
        var maxLength = CommonOptions.MaxLength();
        var device = new Option<string>("--device", "-d")
        {
            Description = "auto, cpu, cuda, cuda:N, cuda:all (every GPU pulls from one queue), opencl, or ilgpu-cpu (kernel debugging only).",
            DefaultValueFactory = _ => "auto",
        };
        var pooling = new Option<PoolingMode?>("--pooling") { Description = "cls, mean or max (default: the model's)." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep raw pooled vectors instead of unit-length ones." };
        var statsJson = new Option<FileInfo?>("--stats-json") { Description = "Also write the summary as JSON to this file." };
        var threads = new Option<int>("--threads") { Description = "Host threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var textField = new Option<string?>("--text-field") { Description = "For .jsonl input: the string field holding the text." };
        var textColumn = new Option<string?>("--text-column") { Description = "For .csv input: the header of the column holding the text." };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted job from the rows its partial output holds." };
        var maxBatchTokens = new Option<int?>("--max-batch-tokens") { Description = "Tokens per forward pass (default: sized from the device)." };
        var maxBatchSize = new Option<int>("--max-batch-size") { Description = "Sequences per forward pass.", DefaultValueFactory = _ => 256 };
        var longText = new Option<LongTextMode>("--long-text")
        {
            Description = "Texts over the max length: truncate (default) or window (sliding windows averaged into one embedding).",
            DefaultValueFactory = _ => LongTextMode.Truncate,
        };
        var stride = new Option<int?>("--stride") { Description = "With --long-text window: tokens between window starts (default: half a window)." };

        var command = new Command("embed", "Embed every text of a file (lines, JSONL or CSV).")
        {
            input, output, model, device, pooling, noNormalize, maxLength, statsJson, threads, textField, textColumn, resume,
            maxBatchTokens, maxBatchSize, longText, stride,
        };
        command.SetAction(result => Run(new Settings(
            CommonOptions.RequireInput(result.GetRequiredValue(input)),
            result.GetRequiredValue(output),
            result.GetRequiredValue(model),
            result.GetRequiredValue(device),
            result.GetValue(pooling),
            !result.GetValue(noNormalize),
            result.GetValue(maxLength),
            result.GetValue(statsJson),
            result.GetValue(threads),
            result.GetValue(textField),
            result.GetValue(textColumn),
            result.GetValue(resume),
            result.GetValue(maxBatchTokens),
            result.GetValue(maxBatchSize),
            result.GetValue(longText),
            result.GetValue(stride))));
        return command;
    }

    private static int Run(Settings s)
    {
        // Check the input (format, options, header) before the slow model load.
        var texts = TextSources.Open(s.Input.FullName, s.TextField, s.TextColumn);
        var model = CommonOptions.LoadModel(s.Model);
        var options = new EmbedderOptions
        {
            Pooling = s.Pooling,
            Normalize = s.Normalize,
            MaxLength = CommonOptions.ResolveMaxLength(s.MaxLength, model),
            MaxBatchTokens = s.MaxBatchTokens,
            MaxBatchSequences = s.MaxBatchSize,
            LongText = s.LongText,
            Stride = s.Stride,
        };
        var backends = BackendFactory.CreateAll(s.Device, s.Threads);
        try
        {
            using var embedder = CreateEmbedder(model, backends, options);
            return Stream(s, texts, embedder);
        }
        finally
        {
            foreach (var backend in backends)
                backend.Dispose();
        }
    }

    private static Embedder CreateEmbedder(BertModel model, IReadOnlyList<IComputeBackend> backends, EmbedderOptions options)
    {
        try
        {
            return new Embedder(model, backends, options);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new CliException(e.Message.Split(" (Parameter")[0]);
        }
    }

    private static int Stream(Settings s, IEnumerable<string> texts, Embedder embedder)
    {
        using var job = OutputJob.Open(s.Output.FullName, embedder.Dimension, s.Resume);
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // finish in order what is done, keep it, then stop
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var total = TextSources.Open(s.Input.FullName, s.TextField, s.TextColumn).LongCount();
            if (job.RowsDone > total)
                throw new CliException($"{job.PartialPath}: holds {job.RowsDone} rows but the input has only {total} texts; delete it or drop --resume.");
            if (job.RowsDone > 0)
                Console.Error.WriteLine($"resuming after {job.RowsDone} rows already in {job.PartialPath}");
            var progress = new ProgressReporter(total, job.RowsDone);
            var clock = Stopwatch.StartNew();
            long embedded = 0, tokens = 0;
            var inFlight = new Queue<Task<EmbeddingResult>>();

            void WriteNext()
            {
                var result = inFlight.Dequeue().GetAwaiter().GetResult();
                job.Write(result.Rows);
                var count = result.Rows.Length / embedder.Dimension;
                embedded += count;
                tokens += result.Tokens;
                progress.Add(count, result.Tokens);
            }

            foreach (var chunk in Skip(texts, job.RowsDone).Chunk(ChunkTexts))
            {
                if (interrupt.IsCancellationRequested)
                    break;
                inFlight.Enqueue(embedder.EmbedAsync(chunk, interrupt.Token));
                while (inFlight.Count >= ChunksInFlight)
                    WriteNext();
            }
            while (inFlight.Count > 0 && !interrupt.IsCancellationRequested)
                WriteNext();
            progress.Finish();
            if (interrupt.IsCancellationRequested)
            {
                // Chunks that finished before the interrupt are worth keeping; the rest are abandoned.
                while (inFlight.Count > 0 && inFlight.Peek().IsCompletedSuccessfully)
                    WriteNext();
                Console.Error.WriteLine($"interrupted after {job.RowsDone + embedded} rows; partial output kept at {job.PartialPath}; rerun with --resume to continue");
                return 130;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            job.Commit();
            Report(s.StatsJson, new EmbedStats(embedded, tokens, seconds, seconds > 0 ? tokens / seconds : 0, embedder.DeviceName));
            return 0;
        }
        catch when (job.Rows > 0)
        {
            Console.Error.WriteLine($"partial output kept at {job.PartialPath}; rerun with --resume to continue");
            throw;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static IEnumerable<string> Skip(IEnumerable<string> texts, long count)
    {
        foreach (var text in texts)
        {
            if (count > 0)
            {
                count--;
                continue;
            }
            yield return text;
        }
    }

    private static void Report(FileInfo? statsJson, EmbedStats stats)
    {
        Console.Error.WriteLine($"{stats.Texts} texts, {stats.Tokens} tokens in {stats.Seconds:F2} s: {stats.TokensPerSecond:F0} tokens/s on {stats.Device}");
        if (statsJson is not null)
            File.WriteAllText(statsJson.FullName, JsonSerializer.Serialize(stats, EmbedStats.JsonOptions) + "\n");
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
