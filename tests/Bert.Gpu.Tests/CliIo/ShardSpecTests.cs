using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Shards;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>
/// Which shard a task is: from <c>--shard I/N</c>, or from a Slurm array's or a Kubernetes Indexed Job's environment;
/// and which rows it takes — every row in exactly one shard, the shards in order making the input's order.
/// </summary>
public sealed class ShardSpecTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static (string, string)[] Slurm(int id, int min, int max, int count) =>
        [("SLURM_ARRAY_TASK_ID", $"{id}"), ("SLURM_ARRAY_TASK_MIN", $"{min}"), ("SLURM_ARRAY_TASK_MAX", $"{max}"), ("SLURM_ARRAY_TASK_COUNT", $"{count}")];

    [Fact]
    public void TheRanges_CoverEveryRowOnce_InInputOrder_SizesWithinOne()
    {
        for (var total = 0L; total <= 60; total++)
            for (var count = 1; count <= 9; count++)
            {
                var ranges = Enumerable.Range(0, count).Select(i => new ShardSpec(i, count).Rows(total)).ToList();
                Assert.Equal(0, ranges[0].Start);
                Assert.Equal(total, ranges[^1].End);
                for (var i = 1; i < count; i++)
                    Assert.Equal(ranges[i - 1].End, ranges[i].Start);
                var sizes = ranges.Select(r => r.End - r.Start).ToList();
                Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
            }
        // No overflow at the largest counts: the product is taken in 128 bits.
        Assert.Equal((long.MaxValue / 2, long.MaxValue), new ShardSpec(1, 2).Rows(long.MaxValue));
    }

    [Theory]
    [InlineData("0/4", 0, 4)]
    [InlineData("3/4", 3, 4)]
    [InlineData("0/1", 0, 1)]
    public void IOverN_IsTaken(string value, int index, int count) =>
        Assert.Equal(new ShardSpec(index, count), ShardSpec.Resolve(value, null, Environment()));

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/4")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("0/100000")]
    public void AMalformedShard_IsAnError(string value)
    {
        var error = Assert.Throws<CliException>(() => ShardSpec.Resolve(value, null, Environment()));
        Assert.Equal($"--shard '{value}': expected I/N (e.g. 0/4, the first of 4 shards; numbered from 0, N at most 99999) or auto.", error.Message);
    }

    [Theory]
    [InlineData(0, 0, 3)] // --array=0-3
    [InlineData(1, 1, 4)] // --array=1-4: task 1 is shard 0
    [InlineData(4, 1, 4)]
    [InlineData(12, 10, 13)]
    public void ASlurmArray_NumbersTheShardsFromItsFirstTask(int id, int min, int max)
    {
        var shard = ShardSpec.Resolve("auto", null, Environment(Slurm(id, min, max, max - min + 1)));
        Assert.Equal(new ShardSpec(id - min, max - min + 1), shard);
    }

    [Fact]
    public void ASlurmTask_WithShards_IsItsOwnShard_SoARerunOfSomeKeepsTheirNumbers() =>
        Assert.Equal(new ShardSpec(3, 4), ShardSpec.Resolve("auto", 4, Environment(Slurm(3, 2, 3, 2))));

    [Fact]
    public void ANonContiguousSlurmArray_IsAnError()
    {
        var error = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", null, Environment(Slurm(2, 0, 6, 4))));
        Assert.Equal("--shard auto: the Slurm array runs 0-6 but has 4 tasks (a step or a list); submit a contiguous one such as --array=0-3 or --array=1-4.", error.Message);
    }

    [Fact]
    public void ASlurmTaskWithoutItsArrayBounds_IsAnError()
    {
        var error = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", null, Environment(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Equal("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is not; run it as a task of an sbatch --array job (Slurm sets both).", error.Message);
    }

    [Fact]
    public void AKubernetesIndexedJob_NeedsShards()
    {
        var k8s = Environment(("JOB_COMPLETION_INDEX", "2"));
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.Resolve("auto", 4, k8s));
        var noCount = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", null, k8s));
        Assert.Equal("--shard auto: JOB_COMPLETION_INDEX=2 (a Kubernetes Indexed Job) says which shard, not how many; pass --shards N, the Job's completions.", noCount.Message);
        var beyond = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", 2, k8s));
        Assert.Equal("--shard auto: JOB_COMPLETION_INDEX=2 of --shards 2: the shard index must be between 0 and 1 (shards are numbered from 0).", beyond.Message);
    }

    [Fact]
    public void AutoWithoutAScheduler_OrAnUnreadableVariable_IsAnError()
    {
        var none = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", null, Environment()));
        Assert.Equal("--shard auto: neither SLURM_ARRAY_TASK_ID (an sbatch --array task) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; run it as such a task, or say --shard I/N.", none.Message);
        var bad = Assert.Throws<CliException>(() => ShardSpec.Resolve("auto", 4, Environment(("JOB_COMPLETION_INDEX", "x"))));
        Assert.Equal("--shard auto: JOB_COMPLETION_INDEX='x' is not a whole number.", bad.Message);
    }

    [Fact]
    public void ShardsWithIOverN_IsAnError()
    {
        var error = Assert.Throws<CliException>(() => ShardSpec.Resolve("1/4", 4, Environment()));
        Assert.Equal("--shards 4 goes with --shard auto; --shard 1/4 already says how many shards.", error.Message);
    }

    [Fact]
    public void PartNames_HoldFiveDigits() =>
        Assert.Equal("part-00003-of-00012.parquet", new ShardSpec(3, 12).PartName);
}
