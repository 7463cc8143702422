using System.CommandLine;
using System.Text.Json;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli.Caching;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Shards;
using Bert.Gpu.Model;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>embed</c>: one embedding per input text, streamed (see <see cref="EmbedJob"/>). Everything that can be checked
/// before the slow part — the input, the output and stats paths, the overwrite policy — is checked first.
/// </summary>
internal static class EmbedCommand
{
    /// <summary>The options of one run.</summary>
    internal sealed record Settings(string Input, string Output, string Model, string Device, PoolingMode? Pooling,
        bool Normalize, int? MaxLength, string? StatsJson, int Threads, InputFormat InputFormat, string? TextField,
        string? TextColumn, bool Resume, bool Overwrite, int? MaxBatchTokens, int MaxBatchSize, LongTextMode LongText, int? Stride,
        string? IdsField = null, Backends.Precision Precision = Backends.Precision.Auto, string? Cache = null,
        long CacheMaxBytes = EmbeddingCache.DefaultMaxBytes, string? Shard = null, int? Shards = null);

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
        var pooling = OptionParsers.OptionalEnum<PoolingMode>("--pooling", $"{OptionParsers.Choices<PoolingMode>()} (default: the model's).");
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep raw pooled vectors instead of unit-length ones." };
        var statsJson = new Option<string?>("--stats-json") { Description = "Also write the summary as JSON to this file." };
        var threads = OptionParsers.Int("--threads", "Host threads (0 = all cores).", 0, min: 0, max: 4096);
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted job from the rows its partial output holds (verified: same model, options and input)." };
        var overwrite = CommonOptions.Overwrite();
        var maxBatchTokens = OptionParsers.OptionalInt("--max-batch-tokens", "Tokens per forward pass (default: sized from the device).", min: 1);
        var maxBatchSize = OptionParsers.Int("--max-batch-size", "Sequences per forward pass.", 256, min: 1);
        var longText = OptionParsers.Enum("--long-text",
            "Texts over the max length: truncate (default) or window (sliding windows averaged into one embedding).", LongTextMode.Truncate);
        var stride = OptionParsers.OptionalInt("--stride", "With --long-text window: tokens between window starts (default: half a window).", min: 1);
        var idsField = new Option<string?>("--ids-field")
        {
            Description = "JSON Lines input whose field NAME holds pre-tokenized ids (special tokens included), embedded as they are.",
        };
        var precision = CommonOptions.Precision();
        var cache = CommonOptions.Cache();
        var cacheMaxBytes = CommonOptions.CacheMaxBytes();
        var (shard, shards) = (ShardOptions.Shard(), ShardOptions.Shards());

        var command = new Command("embed", "Embed every text of a file (lines, JSON Lines or CSV).")
        {
            input, output, model, device, pooling, noNormalize, maxLength, statsJson, threads, inputFormat, textField, textColumn,
            resume, overwrite, maxBatchTokens, maxBatchSize, longText, stride, idsField, precision, cache, cacheMaxBytes, shard, shards,
        };
        command.SetAction(result => Run(new Settings(
            result.GetRequiredValue(input),
            result.GetRequiredValue(output),
            result.GetRequiredValue(model),
            result.GetRequiredValue(device),
            result.GetValue(pooling),
            !result.GetValue(noNormalize),
            result.GetValue(maxLength),
            result.GetValue(statsJson),
            result.GetValue(threads),
            result.GetValue(inputFormat),
            result.GetValue(textField),
            result.GetValue(textColumn),
            result.GetValue(resume),
            result.GetValue(overwrite),
            result.GetValue(maxBatchTokens),
            result.GetValue(maxBatchSize),
            result.GetValue(longText),
            result.GetValue(stride),
            result.GetValue(idsField),
            result.GetValue(precision),
            result.GetValue(cache),
            result.GetValue(cacheMaxBytes),
            result.GetValue(shard),
            result.GetValue(shards))));
        return command;
    }

    private static int Run(Settings s)
    {
        OutputJob? job = null;
        using var interruption = new Interruption(() => Kept(job));

        // Before the slow model load: the input (format, options, CSV header), the output and stats paths.
        if (s.IdsField is not null && s.LongText == LongTextMode.Window)
            throw new CliException("--ids-field embeds the ids as they are; --long-text window cuts texts it tokenizes itself. Drop one of them.");
        TextInput OpenInput() => TextInput.Open(s.Input, s.InputFormat, s.TextField, s.TextColumn, s.IdsField);
        // With --shard, the input is the shard's slice and the output its part in the folder --output names.
        var shard = ShardedEmbed.Plan(s.Shard, s.Shards, s.Output, OpenInput);
        if (shard is not null)
            s = s with { Output = shard.PartPath };
        using var input = shard?.OpenInput(OpenInput) ?? OpenInput();
        if (!OutputJob.KnowsFormat(s.Output))
            throw new CliException($"{s.Output}: unknown output format '{Path.GetExtension(s.Output)}'; use {OutputJob.Formats}.");
        // A finished part with --resume is checked against this run once the model's identity is known (below), so it
        // may exist here; every other check applies to it all the same.
        OutputChecks.Check(s.Output, "--output", input.Path, s.Overwrite || (shard is not null && s.Resume), (AtomicOutputFile.ResumablePath(s.Output), s.Resume));
        if (s.StatsJson is { } statsPath)
        {
            if (OutputChecks.SameFile(statsPath, s.Output))
                throw new CliException($"{statsPath}: --stats-json is the --output file; name another file for the stats.");
            OutputChecks.Check(statsPath, "--stats-json", input.Path, overwrite: true);
        }
        using var stats = s.StatsJson is null ? null : new AtomicOutputFile(s.StatsJson);

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
            Precision = s.Precision,
        };
        var backends = BackendFactory.CreateAll(s.Device, s.Threads);
        try
        {
            using var embedder = CreateEmbedder(model, backends, options);
            ReleaseLoadGarbage();
            if (interruption.Token.IsCancellationRequested)
                return Interrupted(interruption, "before any row was computed");
            var identity = Identity(s, embedder, input);
            if (shard?.IsComplete(identity, s.Resume && !s.Overwrite) == true) // --overwrite replaces any part there
            {
                Console.Error.WriteLine($"{shard.PartPath}: already complete (same model, options and slice of the same input); nothing to do");
                return 0;
            }
            using var cache = s.Cache is null ? null : EmbeddingCache.Open(s.Cache,
                CacheIdentity.For(identity, CacheIdentity.DeviceFamily(embedder.DeviceName)), s.CacheMaxBytes, Console.Error);
            using (job = OutputJob.Open(s.Output, identity, input.Name, s.Resume))
            {
                EmbedStats? result;
                try
                {
                    result = EmbedJob.Run(input, embedder, job, interruption.Token, cache);
                    if (result is not null)
                        job.Commit(shard?.Part(job, input.Name));
                }
                catch (Exception e) when (e is CliException or IOException && job.Rows > 0)
                {
                    // A full disk, a bad record, a NaN row: what is done stays, and the user learns where and how to go on.
                    throw new CliException($"{e.Message}; {Kept(job)}", e);
                }
                if (result is null)
                    return Interrupted(interruption, Kept(job));
                Report(stats, s.Output, result);
                return 0;
            }
        }
        finally
        {
            foreach (var backend in backends)
                backend.Dispose();
        }
    }

    /// <summary>What decides the rows: the model's content hash and every option in force, resolved (defaults filled in).</summary>
    private static JobIdentity Identity(Settings s, Embedder embedder, TextInput input) => new(
        Model: embedder.Model.Name,
        ModelHash: embedder.Model.ContentHash,
        Width: embedder.Dimension,
        Pooling: embedder.Pooling.ToString().ToLowerInvariant(),
        Normalize: embedder.Options.Normalize,
        MaxLength: embedder.MaxLength,
        LongText: embedder.Options.LongText.ToString().ToLowerInvariant(),
        Stride: embedder.Stride,
        InputFormat: input.Format.ToString().ToLowerInvariant(),
        TextField: s.TextField,
        TextColumn: s.TextColumn,
        IdsField: s.IdsField,
        Precision: embedder.Precision.ToString().ToLowerInvariant());

    /// <summary>
    /// Loading and uploading leave the model's file-format copies behind (for MiniLM ~90 MB of parsed and fused
    /// arrays, most on the large-object heap, which the GC neither compacts nor collects until a full collection): one
    /// compacting collection now keeps them from sitting under the whole job's peak.
    /// </summary>
    private static void ReleaseLoadGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static string Kept(OutputJob? job) => job is { Rows: > 0 }
        ? $"{job.Rows} rows kept in {job.PartialPath}; rerun the same command with --resume to continue"
        : "no rows were written yet, nothing kept";

    private static int Interrupted(Interruption interruption, string what)
    {
        Console.Error.WriteLine($"{interruption.SignalName}: stopped; {what}");
        return interruption.ExitCode;
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
        catch (NotSupportedException e)
        {
            // A format the device cannot run: fp16 asked of a backend without the path, or int8 layers.
            throw CommonOptions.PrecisionUnsupported(options.Precision, e);
        }
    }

    private static void Report(AtomicOutputFile? statsFile, string output, EmbedStats stats)
    {
        var cached = stats.CacheHits is { } hits ? $"; cache: {hits} hits, {stats.CacheMisses} misses, {stats.CacheEvictions} evicted" : "";
        Console.Error.WriteLine($"{stats.Texts} texts, {stats.Tokens} tokens in {stats.Seconds:F2} s: {stats.TokensPerSecond:F0} tokens/s on {stats.Device}{cached}");
        if (statsFile is null)
            return;
        try
        {
            statsFile.Stream.Write(JsonSerializer.SerializeToUtf8Bytes(stats, EmbedStats.JsonOptions));
            statsFile.Stream.WriteByte((byte)'\n');
            statsFile.Commit();
        }
        catch (IOException e)
        {
            throw new CliException($"the embeddings are complete in {output}, but writing the stats failed: {e.Message}");
        }
    }
}
