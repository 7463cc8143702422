using System.CommandLine;
using Bert.Gpu.Cli.Commands;

namespace Bert.Gpu.Cli.Shards;

/// <summary><c>embed</c>'s options for one task of a sharded job (docs/SHARDING.md).</summary>
internal static class ShardOptions
{
    /// <summary><c>--shard I/N|auto</c>.</summary>
    public static Option<string?> Shard() => new("--shard")
    {
        Description = "Embed shard I of N (I/N, from 0) of the input, or auto (Slurm array task, Kubernetes Indexed Job); --output names a folder, "
            + "this shard writes part-IIIII-of-NNNNN.parquet there, and merge checks and joins the parts.",
    };

    /// <summary><c>--shards N</c>: the count <c>--shard auto</c> takes with <c>JOB_COMPLETION_INDEX</c>, or with a Slurm task id taken as the shard.</summary>
    public static Option<int?> Shards() => OptionParsers.OptionalInt("--shards",
        "With --shard auto: how many shards (a Kubernetes Indexed Job's completions; in a Slurm array, the task id is then the shard, for reruns of some).", min: 1, max: ShardSpec.MaxCount);
}
