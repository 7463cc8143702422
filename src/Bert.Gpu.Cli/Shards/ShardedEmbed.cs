using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// What <c>--shard</c> changes in an <c>embed</c> run (docs/SHARDING.md): the input is the shard's contiguous slice
/// (<see cref="ShardInput"/>), <c>--output</c> names the folder its part goes to, and the part — written, resumed and
/// renamed into place as any <c>.parquet</c> output — gets an <see cref="ParquetEmbeddingWriter.IndexColumn"/> and
/// its <see cref="PartMetadata"/> when it commits.
/// </summary>
internal sealed class ShardedEmbed
{
    private readonly ShardInput _input;

    private ShardedEmbed(ShardInput input, string partPath)
    {
        _input = input;
        PartPath = partPath;
    }

    /// <summary>The part this shard writes: <c>FOLDER/part-IIIII-of-NNNNN.parquet</c>.</summary>
    public string PartPath { get; }

    /// <summary>
    /// Resolves <c>--shard <paramref name="shard"/></c> (null: not sharded) and <c>--shards</c>, creates the folder
    /// <paramref name="folder"/> if needed, and counts the input <paramref name="open"/> opens.
    /// </summary>
    /// <exception cref="CliException">A bad shard, a folder that is a file or cannot be made, an input that is not a file.</exception>
    public static ShardedEmbed? Plan(string? shard, int? shards, string folder, Func<TextInput> open)
    {
        if (shard is null)
            return shards is null ? null : throw new CliException($"--shards {shards} goes with --shard auto (a Kubernetes Indexed Job's completions); add --shard auto, or drop it.");
        var spec = ShardSpec.Resolve(shard, shards, Environment.GetEnvironmentVariable);
        if (File.Exists(folder))
            throw new CliException($"{folder}: is a file; with --shard, --output names the folder the parts go to (made if missing).");
        try
        {
            Directory.CreateDirectory(folder); // the tasks of one array make it at once: creating an existing folder is no error
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{folder}: cannot make the output folder ({e.Message}); choose another --output.", e);
        }
        return new ShardedEmbed(ShardInput.Count(open, spec), Path.Combine(folder, spec.PartName));
    }

    /// <summary>
    /// With <c>--resume</c> (<paramref name="resume"/>) and the part already in the folder — a task rerun after it
    /// finished, as a requeued or resubmitted array does: whether that part is this very shard's, done with
    /// <paramref name="identity"/> (then nothing is left to do). Without <c>--resume</c>, or with no part yet, false.
    /// </summary>
    /// <exception cref="CliException">The part there was made by another run: other options, another slice or input.</exception>
    public bool IsComplete(JobIdentity identity, bool resume)
    {
        if (!resume || !File.Exists(PartPath))
            return false;
        var (part, rows) = PartFile.ReadFooter(PartPath);
        var reasons = identity.Differences(part.Identity).ToList();
        if (part.Shard != _input.Shard || part.RowStart != _input.Start || part.RowEnd != _input.End || rows != _input.End - _input.Start)
            reasons.Add($"it holds rows {part.RowStart}–{part.RowEnd} of shard {part.Shard.Index + 1} of {part.Shard.Count}, this shard is rows {_input.Start}–{_input.End}");
        if (part.InputSha256 != _input.InputSha256)
            reasons.Add("it was made from another input");
        return reasons.Count == 0
            ? true
            : throw new CliException($"{PartPath}: exists, but not from this run ({string.Join("; ", reasons)}); pass --overwrite to replace it, or write to another folder.");
    }

    /// <summary>The shard's texts, from the input <paramref name="open"/> opens again.</summary>
    public TextInput OpenInput(Func<TextInput> open) => _input.Open(open);

    /// <summary>What the commit of <paramref name="job"/>, which embedded the whole slice, writes into the part.</summary>
    /// <exception cref="CliException">The input changed since the first pass.</exception>
    public ParquetPart Part(OutputJob job, string inputName)
    {
        _input.CheckUnchanged(job.Rows);
        var metadata = new PartMetadata(job.Identity, _input.Shard, _input.Start, _input.End, _input.Total, _input.InputSha256,
            job.InputSha256, inputName);
        return new ParquetPart(_input.Start, metadata.ToKeyValues());
    }
}
