using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Shards;
using Bert.Gpu.Tests.Support;
using Parquet;
using Parquet.Schema;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// <c>embed --shard</c> and <c>merge</c> through the real program (docs/SHARDING.md): the parts hold every row exactly
/// once and in order, the merge writes the single run's very file in every format, a missing or inconsistent part is
/// an error naming it, and an interrupted shard resumes to the part an uninterrupted one writes.
/// </summary>
public sealed class ShardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-shard-").FullName;
    private readonly string _model;
    private readonly string[] _lines;

    public ShardTests()
    {
        // A cheap model with the real vocabulary: these tests are about the mechanics, not MiniLM's numbers.
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
        // 2,500 texts: chunks of 1,024 inside each of 3 shards, and an empty line, which is a text with a row too.
        _lines = Enumerable.Range(0, 2500).Select(i => i == 700 ? "" : $"text {i}: {string.Join(' ', Enumerable.Repeat("word", i % 9))}").ToArray();
        File.WriteAllLines(PathOf("in.txt"), _lines);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private CliRunner.Result Embed(string output, params string[] args) =>
        CliRunner.Run(["embed", "--model", _model, "--device", "cpu", "--input", PathOf("in.txt"), "--output", PathOf(output), .. args]);

    private static void Succeeded(CliRunner.Result run) => Assert.True(run.ExitCode == 0, run.StandardError);

    private void Shards(string folder, int count, params string[] args)
    {
        for (var i = 0; i < count; i++)
            Succeeded(Embed(folder, ["--shard", $"{i}/{count}", .. args]));
    }

    private static void AssertOneLineError(CliRunner.Result run, string expected)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {expected}", run.StandardError.TrimEnd());
    }

    /// <summary>A part's input_index column and footer, read with Parquet.Net's own API, not the CLI's reader.</summary>
    private static async Task<(long[] Indices, IReadOnlyDictionary<string, string> Metadata)> ReadPart(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var index = Assert.IsType<DataField>(reader.Schema.Fields[0]);
        Assert.Equal("input_index", index.Name);
        var indices = new List<long>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var values = new long[group.RowCount];
            await group.ReadAsync<long>(index, values, null, CancellationToken.None);
            indices.AddRange(values);
        }
        return ([.. indices], reader.CustomMetadata);
    }

    [Fact]
    public async Task ThePartsHoldEveryRowOnceInOrder_AndTheMergeIsTheSingleRunsFile_InEveryFormat()
    {
        Shards("dataset", 3);

        Assert.Equal(["part-00000-of-00003.parquet", "part-00001-of-00003.parquet", "part-00002-of-00003.parquet"],
            Directory.GetFiles(PathOf("dataset")).Select(Path.GetFileName).Order());
        var all = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var (indices, metadata) = await ReadPart(PathOf($"dataset/part-0000{i}-of-00003.parquet"));
            all.AddRange(indices);
            Assert.Equal($"{i}/3", metadata["bert_gpu.shard"]);
            Assert.Equal($"{2500 * i / 3}", metadata["bert_gpu.row_start"]);
            Assert.Equal($"{2500 * (i + 1) / 3}", metadata["bert_gpu.row_end"]);
            Assert.Equal("2500", metadata["bert_gpu.input_rows"]);
            Assert.Contains("\"pooling\":\"mean\"", metadata["bert_gpu.identity"]);
        }
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (long)i), all);

        foreach (var format in new[] { "npy", "jsonl", "parquet" })
        {
            var merge = CliRunner.Run("merge", PathOf("dataset"), "--output", PathOf($"merged.{format}"));
            Succeeded(merge);
            Assert.Equal($"{PathOf("dataset")}: 3 parts, 2500 rows of width 32 ({_model}, mean pooling), complete and consistent; merged into {PathOf($"merged.{format}")}",
                merge.StandardError.TrimEnd());
            Succeeded(Embed($"single.{format}"));
            Assert.Equal(File.ReadAllBytes(PathOf($"single.{format}")), File.ReadAllBytes(PathOf($"merged.{format}")));
        }
    }

    [Fact]
    public void MoreShardsThanTexts_GiveEmptyParts_AndTheMergeStillIsTheSingleRun()
    {
        File.WriteAllLines(PathOf("in.txt"), ["only", "two"]);
        Shards("dataset", 4);
        Succeeded(CliRunner.Run("merge", PathOf("dataset"), "--output", PathOf("merged.npy")));
        Succeeded(Embed("single.npy"));
        Assert.Equal(File.ReadAllBytes(PathOf("single.npy")), File.ReadAllBytes(PathOf("merged.npy")));
    }

    [Fact]
    public void AMissingExtraOrInconsistentPart_IsAnErrorNamingIt()
    {
        File.WriteAllLines(PathOf("in.txt"), _lines.Take(30));
        Shards("dataset", 3);
        var part1 = PathOf("dataset/part-00001-of-00003.parquet");
        var merge = () => CliRunner.Run("merge", PathOf("dataset"));
        Succeeded(merge());

        File.Move(part1, PathOf("aside.parquet"));
        AssertOneLineError(merge(), $"{part1}: missing — its shard has not run or failed; run embed --shard 1/3 with the same options (and --resume) to make it.");

        Succeeded(Embed("dataset", "--shard", "1/3", "--pooling", "max"));
        AssertOneLineError(merge(), $"{part1}: not the job of part-00000-of-00003.parquet and the parts before it: --pooling was mean, now max. Rerun shard 1/3 with their options.");

        File.WriteAllLines(PathOf("other.txt"), _lines.Skip(1).Take(30));
        Succeeded(CliRunner.Run("embed", "--model", _model, "--device", "cpu", "--input", PathOf("other.txt"), "--output", PathOf("dataset"), "--shard", "1/3", "--overwrite"));
        AssertOneLineError(merge(), $"{part1}: made from another input than part-00000-of-00003.parquet (30 texts of {PathOf("other.txt")}, where 30 of {PathOf("in.txt")}, and the texts' hashes differ); rerun shard 1/3 on the same input.");

        File.Move(PathOf("aside.parquet"), part1, overwrite: true);
        File.Copy(part1, PathOf("dataset/part-00001-of-00002.parquet"));
        AssertOneLineError(merge(), $"{PathOf("dataset/part-00001-of-00002.parquet")}: a part of 2 shards, but part-00000-of-00003.parquet is of 3; one folder holds one sharded job — move the other job's parts out.");

        File.Move(PathOf("dataset/part-00001-of-00002.parquet"), PathOf("dataset/stray.parquet"));
        AssertOneLineError(merge(), $"{PathOf("dataset/stray.parquet")}: not a part-IIIII-of-NNNNN.parquet of embed --shard, and a reader of the folder would read it as one; move it out.");
    }

    /// <summary>
    /// A shard stopped after 1,000 of its 1,250 rows, as a kill leaves it (the partial and its manifest, written
    /// through the job's own output code), is refused without <c>--resume</c> and continues with it to the very part.
    /// </summary>
    [Fact]
    public async Task AnInterruptedShard_ResumesToTheUninterruptedPart()
    {
        Shards("whole", 2);
        var part = PathOf("dataset/part-00000-of-00002.parquet");
        var reference = PathOf("whole/part-00000-of-00002.parquet");
        var (metadata, _) = PartFile.ReadFooter(reference);
        var rows = PartFile.ReadRows(reference, metadata).SelectMany(r => r).ToArray();
        const int kept = 1000;
        Directory.CreateDirectory(PathOf("dataset"));
        using (var hash = new RunningHash())
        using (var job = OutputJob.Open(part, metadata.Identity, PathOf("in.txt"), resume: false))
        {
            foreach (var text in _lines.Take(kept))
                hash.AppendText(text);
            // Marked rows (the reference's doubled), so that the part shows whether --resume kept them or recomputed them.
            job.Write(rows.Take(kept * metadata.Identity.Width).Select(v => 2 * v).ToArray(), hash.Current);
        } // no commit: the partial stays, as after a kill
        Assert.False(File.Exists(part));

        var refused = Embed("dataset", "--shard", "0/2");
        var resumed = Embed("dataset", "--shard", "0/2", "--resume");

        AssertOneLineError(refused, $"{AtomicOutputFile.ResumablePath(part)}: holds the rows of an interrupted run for {part}; pass --resume to continue it, or --overwrite to start over.");
        Succeeded(resumed);
        Assert.Contains($"resuming after {kept} rows", resumed.StandardError);
        var width = metadata.Identity.Width;
        var (resumedMetadata, _) = PartFile.ReadFooter(part);
        var resumedRows = PartFile.ReadRows(part, resumedMetadata).SelectMany(r => r).ToArray();
        Assert.Equal(rows.Length, resumedRows.Length);
        Assert.Equal(rows.Take(kept * width).Select(v => 2 * v), resumedRows.Take(kept * width)); // kept, not recomputed
        Assert.Equal(rows.Skip(kept * width), resumedRows.Skip(kept * width)); // the rest computed as the whole run did
        Assert.Equal(["part-00000-of-00002.parquet"], Directory.GetFiles(PathOf("dataset")).Select(Path.GetFileName));
    }

    /// <summary>
    /// A real stop: SIGTERM once 2,048 rows of shard 0/2 are in its partial, of 60,000 (the fast model took 8.5 s for
    /// the 58,000 after them on 2 busy cores: the signal lands mid-job); then the same command with <c>--resume</c>
    /// completes it, and the merge is the single run's file.
    /// </summary>
    [Fact]
    public async Task ASignalledShard_ResumesToTheUninterruptedPart()
    {
        File.WriteAllLines(PathOf("in.txt"), Enumerable.Range(0, 120_000).Select(i => $"text {i} " + new string('w', i % 13)));
        string[] shard0 = ["embed", "--model", _model, "--device", "cpu", "--input", PathOf("in.txt"), "--output", PathOf("dataset"), "--shard", "0/2"];
        var partial = AtomicOutputFile.ResumablePath(PathOf("dataset/part-00000-of-00002.parquet"));
        using (var job = CliRunner.Start(defaultSignals: true, shard0))
        {
            var stderr = job.StandardError.ReadToEndAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(partial) && new FileInfo(partial).Length >= 128 + 2048L * 4 * FastModelDirectory.Config.HiddenSize))
            {
                Assert.False(job.HasExited, "the shard ended before it could be interrupted");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no rows were written");
                Thread.Sleep(10);
            }
            Assert.True(CliShell.Signal(job, "TERM"));
            Assert.True(job.WaitForExit(TimeSpan.FromMinutes(2)), "the shard did not stop");
            var error = await stderr;
            Assert.True(job.ExitCode == 143, error);
            Assert.Contains("SIGTERM: stopped; ", error);
        }

        var resumed = CliRunner.Run([.. shard0, "--resume"]);

        Succeeded(resumed);
        var after = System.Text.RegularExpressions.Regex.Match(resumed.StandardError, @"resuming after (\d+) rows");
        Assert.True(after.Success && int.Parse(after.Groups[1].Value) >= 2048, resumed.StandardError); // what the partial held at the signal
        Succeeded(Embed("single.npy"));
        Succeeded(Embed("dataset", "--shard", "1/2"));
        Succeeded(CliRunner.Run("merge", PathOf("dataset"), "--output", PathOf("merged.npy")));
        Assert.Equal(await File.ReadAllBytesAsync(PathOf("single.npy")), await File.ReadAllBytesAsync(PathOf("merged.npy")));
    }

    [Fact]
    public void StandardInput_AndShardsWithoutShard_AreRefused()
    {
        AssertOneLineError(CliRunner.Run("embed", "--model", _model, "--input", "-", "--output", PathOf("dataset"), "--shard", "0/2"),
            "stdin: --shard reads the input twice (a first pass counts its texts to cut it into equal slices), which standard input or a pipe cannot be; write it to a file first.");
        AssertOneLineError(Embed("dataset", "--shards", "4"),
            "--shards 4 goes with --shard auto (a Kubernetes Indexed Job's completions); add --shard auto, or drop it.");
        AssertOneLineError(CliRunner.Run("merge", PathOf("nowhere")), $"{PathOf("nowhere")}: no such folder; name the --output folder of embed --shard.");
    }

    [Fact]
    public void ShardAuto_ReadsTheSlurmArraysEnvironment()
    {
        File.WriteAllLines(PathOf("in.txt"), _lines.Take(10));
        (string, string)[] Task(int id) => [("SLURM_ARRAY_TASK_ID", $"{id}"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "2"), ("SLURM_ARRAY_TASK_COUNT", "2")];
        foreach (var id in new[] { 1, 2 })
            Succeeded(CliRunner.RunWith(Task(id), "embed", "--model", _model, "--device", "cpu", "--input", PathOf("in.txt"), "--output", PathOf("dataset"), "--shard", "auto"));
        Assert.Equal(["part-00000-of-00002.parquet", "part-00001-of-00002.parquet"], Directory.GetFiles(PathOf("dataset")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AFinishedShardRerunWithResume_IsDone_AndOneFromAnotherRunIsRefused()
    {
        File.WriteAllLines(PathOf("in.txt"), _lines.Take(40));
        Shards("dataset", 2);
        var part = PathOf(Path.Combine("dataset", "part-00000-of-00002.parquet"));
        var bytes = File.ReadAllBytes(part);

        var again = Embed("dataset", "--shard", "0/2", "--resume");
        Succeeded(again);
        Assert.Contains($"{part}: already complete", again.StandardError);
        Assert.Equal(bytes, File.ReadAllBytes(part));

        AssertOneLineError(Embed("dataset", "--shard", "0/2", "--resume", "--no-normalize"),
            $"{part}: exists, but not from this run (normalization (--no-normalize) was on, now off); pass --overwrite to replace it, or write to another folder.");
        File.WriteAllLines(PathOf("in.txt"), _lines.Skip(1).Take(40));
        Assert.Contains("it was made from another input", Embed("dataset", "--shard", "0/2", "--resume").StandardError);
        AssertOneLineError(Embed("dataset", "--shard", "0/2"), $"{part}: exists; pass --overwrite to replace it, or choose another --output.");
        Assert.Equal(bytes, File.ReadAllBytes(part));
    }

    [Fact]
    public async Task APartFromAnotherRun_WithResumeAndOverwrite_IsReplaced()
    {
        // --resume --overwrite once skipped the output checks and refused the part with "pass --overwrite".
        File.WriteAllLines(PathOf("in.txt"), _lines.Take(40));
        Shards("dataset", 2);
        var part = PathOf(Path.Combine("dataset", "part-00000-of-00002.parquet"));

        var replaced = Embed("dataset", "--shard", "0/2", "--resume", "--overwrite", "--no-normalize");
        Succeeded(replaced);
        Assert.DoesNotContain("already complete", replaced.StandardError);
        var (indices, _) = await ReadPart(part);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), indices);
        var again = Embed("dataset", "--shard", "0/2", "--resume", "--no-normalize");
        Succeeded(again);
        Assert.Contains($"{part}: already complete", again.StandardError); // the part is now the --no-normalize run's

        // --overwrite redoes even a finished part of this very run.
        var redone = Embed("dataset", "--shard", "0/2", "--resume", "--overwrite", "--no-normalize");
        Succeeded(redone);
        Assert.DoesNotContain("already complete", redone.StandardError);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
