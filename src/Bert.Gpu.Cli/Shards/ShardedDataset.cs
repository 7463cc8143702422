using System.Text.RegularExpressions;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// A folder of <c>part-IIIII-of-NNNNN.parquet</c> files from <c>embed --shard</c>, checked to be one whole job: every
/// part 0..N−1 present and no other Parquet file (a reader of the folder would read it too), all of the same model,
/// options, input and N, their row ranges following each other from 0 to the input's count, each holding as many
/// rows as its range. Only the footers are read; <see cref="PartFile.ReadRows"/> checks the rows themselves.
/// </summary>
internal sealed partial class ShardedDataset
{
    private ShardedDataset(string folder, IReadOnlyList<(string Path, PartMetadata Metadata)> parts)
    {
        Folder = folder;
        Parts = parts;
    }

    /// <summary>The folder, as the user named it.</summary>
    public string Folder { get; }

    /// <summary>The parts in order, with their metadata.</summary>
    public IReadOnlyList<(string Path, PartMetadata Metadata)> Parts { get; }

    /// <summary>The job of every part.</summary>
    public JobIdentity Identity => Parts[0].Metadata.Identity;

    /// <summary>Rows of the whole dataset: the input's texts.</summary>
    public long Rows => Parts[0].Metadata.InputRows;

    /// <summary>Checks the folder <paramref name="folder"/> and reads its parts' footers.</summary>
    /// <exception cref="CliException">The first problem found, naming the part and what to do.</exception>
    public static ShardedDataset Open(string folder)
    {
        if (!Directory.Exists(folder))
            throw new CliException($"{folder}: no such folder; name the --output folder of embed --shard.");
        var names = Directory.EnumerateFiles(folder, "*.parquet").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
            if (!PartName().IsMatch(name!))
                throw new CliException($"{Path.Combine(folder, name!)}: not a part-IIIII-of-NNNNN.parquet of embed --shard, and a reader of the folder would read it as one; move it out.");
        if (names.Count == 0)
            throw new CliException($"{folder}: holds no part-IIIII-of-NNNNN.parquet; run embed --shard I/N --output {folder} first.");
        var count = Count(names[0]!);
        if (names.FirstOrDefault(name => Count(name!) != count) is { } other)
            throw new CliException($"{Path.Combine(folder, other)}: a part of {Count(other)} shards, but {names[0]} is of {count}; one folder holds one sharded job — move the other job's parts out.");
        var parts = new List<(string, PartMetadata)>(count);
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, ShardSpec.PartNameOf(i, count));
            if (!File.Exists(path))
                throw new CliException(Missing(path, i, count));
            parts.Add((path, Checked(path, i, count, parts.Count > 0 ? parts[^1].Item2 : null)));
        }
        return new ShardedDataset(folder, parts);
    }

    private static string Missing(string path, int index, int count)
    {
        var partial = Output.AtomicOutputFile.ResumablePath(path);
        var what = File.Exists(partial) ? $"its shard was interrupted ({Path.GetFileName(partial)} holds its rows so far)" : "its shard has not run or failed";
        return $"{path}: missing — {what}; run embed --shard {index}/{count} with the same options (and --resume) to make it.";
    }

    /// <summary>Reads part <paramref name="index"/>'s footer and holds it to its name and to the part before it.</summary>
    private static PartMetadata Checked(string path, int index, int count, PartMetadata? previous)
    {
        var (metadata, rows) = PartFile.ReadFooter(path);
        if (metadata.Shard != new ShardSpec(index, count))
            throw new CliException($"{path}: its metadata says shard {metadata.Shard}, not {index}/{count} (renamed?); rerun shard {index}/{count}.");
        if (previous is not null)
        {
            var first = ShardSpec.PartNameOf(0, count);
            var changes = metadata.Identity.Differences(previous.Identity);
            if (changes.Count > 0)
                throw new CliException($"{path}: not the job of {first} and the parts before it: {string.Join("; ", changes)}. Rerun shard {index}/{count} with their options.");
            if (metadata.InputSha256 != previous.InputSha256 || metadata.InputRows != previous.InputRows)
                throw new CliException($"{path}: made from another input than {first} ({metadata.InputRows} texts of {metadata.Input}, where {previous.InputRows} of {previous.Input}, and the texts' hashes differ); rerun shard {index}/{count} on the same input.");
        }
        var (start, end) = metadata.Shard.Rows(metadata.InputRows);
        if ((metadata.RowStart, metadata.RowEnd) != (start, end))
            throw new CliException($"{path}: rows {metadata.RowStart}-{metadata.RowEnd}, but shard {index}/{count} of {metadata.InputRows} texts is {start}-{end}; the part is damaged — rerun shard {index}/{count}.");
        if (rows != end - start)
            throw new CliException($"{path}: holds {rows} rows, but its range {start}-{end} has {end - start}; the part is damaged — rerun shard {index}/{count}.");
        return metadata;
    }

    private static int Count(string name) => int.Parse(PartName().Match(name).Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^part-(\d{5})-of-(\d{5})\.parquet$")]
    private static partial Regex PartName();
}
