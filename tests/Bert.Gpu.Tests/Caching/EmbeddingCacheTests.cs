using Bert.Gpu.Cli.Caching;

namespace Bert.Gpu.Tests.Caching;

/// <summary>The cache in-process: exact bits back, keys that change with every row-deciding member, counters.</summary>
public sealed class EmbeddingCacheTests : IDisposable
{
    private static readonly CacheIdentity Identity = new("model-hash", 4, "mean", true, 256, "truncate", null, "fp32", "host", Ids: false);

    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-cache-unit-").FullName;

    [Fact]
    public void StoredRows_ComeBackBitForBit()
    {
        float[] rows = [1f, -0f, float.Epsilon, 0.1f, float.MaxValue, -3.5f, 1e-38f, 2f];
        using var cache = EmbeddingCache.Open(_dir, Identity, EmbeddingCache.DefaultMaxBytes, TextWriter.Null);
        byte[][] keys = [cache.Keys.ForText("first"), cache.Keys.ForText("second")];
        cache.Store(keys, rows);

        var found = cache.Lookup([keys[1], cache.Keys.ForText("absent"), keys[0]]);

        Assert.Equal(BitConverter.GetBytes(rows[4]).Concat(BitConverter.GetBytes(rows[5])), BitConverter.GetBytes(found[0]![0]).Concat(BitConverter.GetBytes(found[0]![1])));
        Assert.Null(found[1]);
        Assert.Equal(rows[..4].Select(BitConverter.SingleToInt32Bits), found[2]!.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal((2L, 1L, 2L * (32 + 16)), (cache.Counters.Hits, cache.Counters.Misses, cache.Counters.Bytes));
    }

    private static readonly CacheIdentity[] Changed = [
        Identity with { ModelHash = "other" }, Identity with { Width = 8 }, Identity with { Pooling = "cls" },
        Identity with { Normalize = false }, Identity with { MaxLength = 128 }, Identity with { LongText = "window", Stride = 127 },
        Identity with { Precision = "fp16" }, Identity with { Device = "cuda" }, Identity with { Ids = true },
    ];

    public static TheoryData<int> ChangedMembers => [.. Enumerable.Range(0, Changed.Length)];

    [Theory]
    [MemberData(nameof(ChangedMembers))]
    public void EveryMemberThatChangesARow_ChangesTheKey(int member)
    {
        var other = Changed[member];
        Assert.NotEqual(new CacheKey(Identity).ForText("a text"), new CacheKey(other).ForText("a text"));
        Assert.Equal(new CacheKey(Identity).ForText("a text"), new CacheKey(Identity with { }).ForText("a text"));
    }

    [Fact]
    public void RowsOfTheWrongWidth_AreRefused()
    {
        using var cache = EmbeddingCache.Open(_dir, Identity, EmbeddingCache.DefaultMaxBytes, TextWriter.Null);
        Assert.Throws<ArgumentException>(() => cache.Store([cache.Keys.ForText("a")], new float[3]));
    }

    [Fact]
    public void DeviceFamily_IsEachDevicesFirstWord()
    {
        Assert.Equal("host", CacheIdentity.DeviceFamily("host (2 threads, AVX2+FMA, int8 AVX2)"));
        Assert.Equal("cuda", CacheIdentity.DeviceFamily("Cuda NVIDIA H200 (143 GiB) + Cuda NVIDIA H200 (143 GiB)"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
