using System.Globalization;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// Which slice of the input one task of a sharded <c>embed</c> takes: shard <see cref="Index"/> of <see cref="Count"/>,
/// numbered from 0. From <c>--shard I/N</c>, or with <c>--shard auto</c> from the scheduler's environment: a Slurm
/// array task (<c>SLURM_ARRAY_TASK_ID</c> less <c>SLURM_ARRAY_TASK_MIN</c>, of <c>SLURM_ARRAY_TASK_COUNT</c>, so
/// <c>--array=0-3</c> and <c>--array=1-4</c> both give shards 0..3 of 4; with <c>--shards N</c>, the task id itself
/// of N, for a rerun of some shards) or a Kubernetes Indexed Job
/// (<c>JOB_COMPLETION_INDEX</c>, of <c>--shards N</c>: the Job's <c>completions</c>, which Kubernetes does not put in
/// the environment).
/// </summary>
internal sealed record ShardSpec(int Index, int Count)
{
    /// <summary>Most shards: part names hold the index and the count in 5 digits each.</summary>
    public const int MaxCount = 99_999;

    /// <summary>The part file this shard writes in the output folder, e.g. <c>part-00001-of-00004.parquet</c>.</summary>
    public string PartName => PartNameOf(Index, Count);

    /// <summary>The name of part <paramref name="index"/> of <paramref name="count"/>.</summary>
    public static string PartNameOf(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"part-{index:D5}-of-{count:D5}.parquet");

    /// <summary>
    /// This shard's rows of an input of <paramref name="total"/> texts: the contiguous range [start, end) with
    /// start = ⌊total·I/N⌋, so the N ranges cover 0..total in order with no gap or overlap, their sizes within one.
    /// </summary>
    public (long Start, long End) Rows(long total) => (Bound(total, Index), Bound(total, Index + 1));

    private long Bound(long total, int index) => (long)((Int128)total * index / Count);

    /// <summary>As the user writes it: <c>I/N</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>
    /// The shard of <c>--shard <paramref name="value"/></c> (<c>I/N</c> or <c>auto</c>) with <c>--shards
    /// <paramref name="shards"/></c>, reading the scheduler's variables through <paramref name="environment"/>.
    /// </summary>
    /// <exception cref="CliException">A malformed value, or for <c>auto</c> a missing or inconsistent environment (named).</exception>
    public static ShardSpec Resolve(string value, int? shards, Func<string, string?> environment)
    {
        if (!value.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (shards is not null)
                throw new CliException($"--shards {shards} goes with --shard auto; --shard {value} already says how many shards.");
            return TryParse(value)
                ?? throw new CliException($"--shard '{value}': expected I/N (e.g. 0/4, the first of 4 shards; numbered from 0, N at most {MaxCount}) or auto.");
        }
        if (environment("SLURM_ARRAY_TASK_ID") is { } task)
            return FromSlurm(task, shards, environment);
        if (environment("JOB_COMPLETION_INDEX") is { } completion)
        {
            var index = Whole("JOB_COMPLETION_INDEX", completion);
            return shards is { } n
                ? Checked(index, n, $"--shard auto: JOB_COMPLETION_INDEX={completion} of --shards {n}")
                : throw new CliException($"--shard auto: JOB_COMPLETION_INDEX={completion} (a Kubernetes Indexed Job) says which shard, not how many; pass --shards N, the Job's completions.");
        }
        throw new CliException("--shard auto: neither SLURM_ARRAY_TASK_ID (an sbatch --array task) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; run it as such a task, or say --shard I/N.");
    }

    /// <summary>The shard <c>I/N</c> names, with 0 ≤ I &lt; N ≤ <see cref="MaxCount"/>; null for anything else.</summary>
    public static ShardSpec? TryParse(string value)
    {
        var parts = value.Split('/');
        return parts.Length == 2 && TryWhole(parts[0], out var index) && TryWhole(parts[1], out var count)
            && count is >= 1 and <= MaxCount && index >= 0 && index < count
            ? new ShardSpec(index, count)
            : null;
    }

    /// <summary>
    /// A Slurm array task: without <paramref name="shards"/>, shard ID − MIN of COUNT, so that <c>--array=0-3</c> and
    /// <c>1-4</c> both number the shards 0..3; with it, shard ID of N, so that a rerun of some tasks keeps their numbers.
    /// </summary>
    private static ShardSpec FromSlurm(string task, int? shards, Func<string, string?> environment)
    {
        string Required(string name) => environment(name)
            ?? throw new CliException($"--shard auto: SLURM_ARRAY_TASK_ID is set but {name} is not; run it as a task of an sbatch --array job (Slurm sets both).");
        var id = Whole("SLURM_ARRAY_TASK_ID", task);
        // Told N, the task id is the shard itself: a rerun of some shards (--array=2,3) keeps their numbers.
        if (shards is { } n)
            return Checked(id, n, $"--shard auto: SLURM_ARRAY_TASK_ID={id} of --shards {n}");
        var min = Whole("SLURM_ARRAY_TASK_MIN", Required("SLURM_ARRAY_TASK_MIN"));
        var max = Whole("SLURM_ARRAY_TASK_MAX", Required("SLURM_ARRAY_TASK_MAX"));
        var count = Whole("SLURM_ARRAY_TASK_COUNT", Required("SLURM_ARRAY_TASK_COUNT"));
        // --array=0-6:2 or 0,2,5 also give 4 tasks, but task ids that are not min, min+1, ... cannot number the shards.
        if ((long)max - min + 1 != count)
            throw new CliException($"--shard auto: the Slurm array runs {min}-{max} but has {count} tasks (a step or a list); submit a contiguous one such as --array=0-{count - 1} or --array=1-{count}.");
        return Checked(id - min, count, $"--shard auto: SLURM_ARRAY_TASK_ID={id} of {min}-{max}");
    }

    private static ShardSpec Checked(int index, int count, string what)
    {
        if (count is < 1 or > MaxCount)
            throw new CliException($"{what}: the shard count must be between 1 and {MaxCount}.");
        if (index < 0 || index >= count)
            throw new CliException($"{what}: the shard index must be between 0 and {count - 1} (shards are numbered from 0).");
        return new ShardSpec(index, count);
    }

    private static int Whole(string name, string value) => TryWhole(value, out var number)
        ? number
        : throw new CliException($"--shard auto: {name}='{value}' is not a whole number.");

    private static bool TryWhole(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
