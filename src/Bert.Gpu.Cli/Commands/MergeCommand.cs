using System.CommandLine;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Shards;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>merge DIR</c>: checks that the folder of an <c>embed --shard</c> job is whole and consistent
/// (<see cref="ShardedDataset"/>) and, with <c>--output</c>, writes its rows as one file — the very file one unsharded
/// <c>embed</c> of the same input and options writes, through the same writers (docs/SHARDING.md).
/// </summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("DIR") { Description = "The --output folder of the embed --shard tasks." };
        var output = new Option<string?>("--output", "-o")
        {
            Description = $"Also write every row, in input order, to one file ({OutputJob.Formats}); written to a temporary file and renamed on success.",
        };
        var overwrite = CommonOptions.Overwrite();
        var command = new Command("merge", "Check that every part of a sharded embed job is present and consistent; optionally write them as one file.")
        {
            folder, output, overwrite,
        };
        command.SetAction(result => Run(result.GetRequiredValue(folder), result.GetValue(output), result.GetValue(overwrite)));
        return command;
    }

    private static int Run(string folder, string? output, bool overwrite)
    {
        if (output is not null)
        {
            if (!OutputJob.KnowsFormat(output))
                throw new CliException($"{output}: unknown output format '{Path.GetExtension(output)}'; use {OutputJob.Formats}.");
            if (Path.GetExtension(output).Equals(".parquet", StringComparison.OrdinalIgnoreCase)
                && string.Equals(Path.GetDirectoryName(Path.GetFullPath(output)), Path.GetFullPath(folder).TrimEnd('/'), StringComparison.Ordinal))
                throw new CliException($"{output}: inside the dataset folder {folder}, where a reader of the folder would take it for a part; write it elsewhere.");
            OutputChecks.Check(output, "--output", null, overwrite);
        }
        var dataset = ShardedDataset.Open(folder);
        var identity = dataset.Identity;
        var summary = $"{folder}: {dataset.Parts.Count} parts, {dataset.Rows} rows of width {identity.Width} ({identity.Model}, {identity.Pooling} pooling), complete and consistent";
        if (output is null)
        {
            Console.Error.WriteLine(summary);
            return 0;
        }
        using (var job = OutputJob.Open(output, identity, folder, resume: false))
        {
            foreach (var (path, metadata) in dataset.Parts)
                foreach (var rows in PartFile.ReadRows(path, metadata))
                    // The merge has no texts to hash: each write records its part's own, which embed --resume's check
                    // of the texts it re-reads rejects (but at the end of part 0, where it is the input's running hash).
                    job.Write(rows, metadata.SliceSha256);
            job.Commit();
        }
        Console.Error.WriteLine($"{summary}; merged into {output}");
        return 0;
    }
}
