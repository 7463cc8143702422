using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// One shard's rows of the input, found by a first pass over the whole of it: how many texts it holds (to cut it into
/// <see cref="ShardSpec.Rows"/>) and the hash of all of them, which every part records so that the merge tells parts
/// made from different inputs apart. The input must be a file: it is read twice, and a pipe cannot be.
/// </summary>
/// <param name="Path">The input file's full path.</param>
/// <param name="Shard">Which shard.</param>
/// <param name="Start">Index of the shard's first text in the input (0-based).</param>
/// <param name="End">Index after its last.</param>
/// <param name="Total">Texts in the whole input.</param>
/// <param name="InputSha256">Running hash of all the input's texts (<see cref="RunningHash.AppendText"/>).</param>
/// <param name="Stamp">The file's size and modification time at the first pass, to catch a change before the part is written.</param>
internal sealed record ShardInput(string Path, ShardSpec Shard, long Start, long End, long Total, string InputSha256, (long Bytes, DateTime Modified) Stamp)
{
    /// <summary>Counts and hashes the texts of the input <paramref name="open"/> opens, and takes <paramref name="shard"/>'s range of them.</summary>
    /// <exception cref="CliException">The input is not a regular file (stdin, a pipe), or a record is malformed.</exception>
    public static ShardInput Count(Func<TextInput> open, ShardSpec shard)
    {
        using var input = open();
        if (input.Length is null || input.Path is null)
            throw new CliException($"{input.Name}: --shard reads the input twice (a first pass counts its texts to cut it into equal slices), which standard input or a pipe cannot be; write it to a file first.");
        var stamp = StampOf(input.Path);
        using var hash = new RunningHash();
        long total = 0;
        foreach (var text in input.Texts)
        {
            hash.AppendText(text.Text);
            total++;
        }
        var (start, end) = shard.Rows(total);
        return new ShardInput(input.Path, shard, start, end, total, hash.Current, stamp);
    }

    /// <summary>Opens the input again (through <paramref name="open"/>) and keeps only this shard's texts.</summary>
    public TextInput Open(Func<TextInput> open) => open().Slice(Start, End);

    /// <summary>Fails if the input file is not as the first pass found it, or the shard did not get its <paramref name="rows"/>.</summary>
    /// <exception cref="CliException">The input changed while the shard ran.</exception>
    public void CheckUnchanged(long rows)
    {
        if (StampOf(Path) != Stamp || rows != End - Start)
            throw new CliException($"{Path}: changed while shard {Shard} ran ({rows} rows where the first pass found {End - Start}, or a new size or time); the part is not written. Rerun the shard on an input that stays as it is.");
    }

    private static (long, DateTime) StampOf(string path)
    {
        var file = new FileInfo(path);
        return (file.Length, file.LastWriteTimeUtc);
    }
}
