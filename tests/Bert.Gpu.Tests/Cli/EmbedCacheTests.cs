using System.Text.Json;
using Bert.Gpu.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// <c>embed --cache DIR</c>, run as the real program: rows from the cache are the bytes a run without it writes; an
/// option that changes rows misses; a damaged or foreign cache file is rebuilt, never served; the cap evicts the least
/// recently used rows; two processes share one cache.
/// </summary>
public sealed class EmbedCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-cache-").FullName;
    private readonly string _model;
    private readonly string _cache;

    public EmbedCacheTests()
    {
        _model = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(_model);
        _cache = PathOf("cache");
        File.WriteAllLines(PathOf("in.txt"), Texts(0, 300));
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string CacheFile => Path.Combine(_cache, "embeddings.sqlite");

    private static IEnumerable<string> Texts(int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"text number {i}: {string.Join(' ', Enumerable.Repeat("word", i % 17))}");

    /// <summary>One embed run of <c>in.txt</c> (or <paramref name="input"/>) into <paramref name="output"/>, with the cache; its stats.</summary>
    private Stats Embed(string output, string input = "in.txt", params string[] options)
    {
        var run = CliRunner.Run([.. Args(output, input), "--cache", _cache, "--stats-json", PathOf(output + ".stats.json"), .. options]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf(output + ".stats.json")));
        var root = json.RootElement;
        return new Stats(root.GetProperty("cache_hits").GetInt64(), root.GetProperty("cache_misses").GetInt64(),
            root.GetProperty("cache_evictions").GetInt64(), root.GetProperty("tokens").GetInt64(), run.StandardError);
    }

    private string[] Args(string output, string input) =>
        ["embed", "--model", _model, "-i", PathOf(input), "-o", PathOf(output), "--device", "cpu", "--overwrite"];

    /// <summary>The output of a run without the cache: what every cached run must equal byte for byte.</summary>
    private byte[] Reference(string input = "in.txt", params string[] options)
    {
        var output = $"reference-{Guid.NewGuid():N}.npy";
        var run = CliRunner.Run([.. Args(output, input), .. options]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        return File.ReadAllBytes(PathOf(output));
    }

    private sealed record Stats(long Hits, long Misses, long Evictions, long Tokens, string Log);

    [Fact]
    public void ASecondRun_TakesEveryRowFromTheCache_AndWritesTheSameBytes()
    {
        var reference = Reference();
        var first = Embed("first.npy");
        var second = Embed("second.npy");

        Assert.Equal((0, 300), (first.Hits, first.Misses));
        Assert.Equal((300, 0, 0L), (second.Hits, second.Misses, second.Tokens)); // nothing computed
        Assert.Equal(reference, File.ReadAllBytes(PathOf("first.npy")));
        Assert.Equal(reference, File.ReadAllBytes(PathOf("second.npy")));
        Assert.Contains("cache: 300 hits, 0 misses", second.Log);
    }

    [Fact]
    public void RowsFromTheCacheAmongComputedOnes_KeepTheirPlaces()
    {
        File.WriteAllLines(PathOf("some.txt"), Texts(0, 300).Where((_, i) => i % 3 == 1));
        Embed("some.npy", "some.txt");

        var mixed = Embed("mixed.npy");

        Assert.Equal((100, 200), (mixed.Hits, mixed.Misses));
        Assert.Equal(Reference(), File.ReadAllBytes(PathOf("mixed.npy")));
    }

    [Theory]
    [InlineData("--no-normalize")]
    [InlineData("--pooling", "cls")]
    [InlineData("--max-length", "8")]
    [InlineData("--long-text", "window", "--max-length", "8")]
    public void AnOptionThatChangesRows_Misses(params string[] option)
    {
        Embed("plain.npy");

        var changed = Embed("changed.npy", "in.txt", option);
        var again = Embed("again.npy", "in.txt", option);

        Assert.Equal((0, 300), (changed.Hits, changed.Misses));
        Assert.Equal((300, 0), (again.Hits, again.Misses));
        Assert.Equal(Reference("in.txt", option), File.ReadAllBytes(PathOf("again.npy")));
    }

    [Fact]
    public void PrecisionAutoResolvesToFp32OnTheHost_SoItsRowsAreShared()
    {
        Embed("fp32.npy", "in.txt", "--precision", "fp32");
        var auto = Embed("auto.npy", "in.txt", "--precision", "auto");
        Assert.Equal((300, 0), (auto.Hits, auto.Misses));
    }

    [Fact]
    public void PreTokenizedIds_AreCachedUnderTheirIds()
    {
        File.WriteAllLines(PathOf("ids.jsonl"), ["{\"ids\": [101, 2023, 102]}", "{\"ids\": [101, 2062, 2616, 102]}"]);
        Embed("ids1.npy", "ids.jsonl", "--ids-field", "ids");
        var second = Embed("ids2.npy", "ids.jsonl", "--ids-field", "ids");

        Assert.Equal((2, 0), (second.Hits, second.Misses));
        Assert.Equal(Reference("ids.jsonl", "--ids-field", "ids"), File.ReadAllBytes(PathOf("ids2.npy")));
    }

    /// <summary>Ways a cache file goes bad; each is reported, moved aside and rebuilt, and the output is still right.</summary>
    public static TheoryData<string> Damages => ["garbage", "foreign", "other-version", "torn-page"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void ADamagedOrForeignCacheFile_IsRebuilt_NeverServed(string damage)
    {
        Embed("fill.npy");
        Damage(damage);

        var run = Embed("after.npy");
        var again = Embed("again.npy");

        Assert.Equal(0, run.Hits);
        Assert.Contains($"warning: {CacheFile}", run.Log);
        Assert.Contains($"moved it aside to {CacheFile}.corrupt", run.Log);
        Assert.Equal(2, run.Log.TrimEnd().Split('\n').Length); // the warning in one line, then the summary
        Assert.Equal(Reference(), File.ReadAllBytes(PathOf("after.npy")));
        Assert.Equal((300, 0), (again.Hits, again.Misses)); // the rebuilt cache works
        Assert.DoesNotContain("warning", again.Log);
    }

    private void Damage(string how)
    {
        switch (how)
        {
            case "garbage":
                File.WriteAllBytes(CacheFile, [.. Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7))]);
                break;
            case "torn-page": // the header intact, the first table's root page overwritten
                using (var file = File.OpenWrite(CacheFile))
                {
                    file.Position = 4096;
                    file.Write([.. Enumerable.Repeat((byte)0xA5, 4096)]);
                }
                break;
            default:
                File.Delete(CacheFile);
                using (var db = Sqlite(CacheFile))
                    Execute(db, how == "foreign"
                        ? "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')"
                        : $"PRAGMA application_id = {0x42475043}; PRAGMA user_version = 99; CREATE TABLE rows (x)");
                break;
        }
    }

    [Fact]
    public void AFlippedByteInAStoredRow_IsCaughtByItsChecksum_AndTheRowComputedAgain()
    {
        Embed("fill.npy");
        using (var db = Sqlite(CacheFile))
            Execute(db, "UPDATE rows SET row = substr(row, 1, 9) || X'5A' || substr(row, 11) WHERE id = (SELECT min(id) FROM rows)");

        var run = Embed("after.npy");
        var again = Embed("again.npy");

        Assert.Equal((299, 1), (run.Hits, run.Misses));
        Assert.Contains($"warning: {CacheFile}: 1 stored row(s) failed their checksum", run.Log);
        Assert.Equal(Reference(), File.ReadAllBytes(PathOf("after.npy")));
        Assert.Equal((300, 0), (again.Hits, again.Misses)); // stored again, right this time
    }

    [Fact]
    public void TheCap_EvictsTheLeastRecentlyUsedRows()
    {
        // A row of the test model: a 32-byte key and 32 floats, 160 bytes; the cap holds three.
        string[] cap = ["--cache-max-bytes", "480"];
        foreach (var (name, texts) in new[] { ("abc", "a b c"), ("a", "a"), ("d", "d"), ("b", "b"), ("adb", "a d b"), ("c", "c") })
            File.WriteAllLines(PathOf(name + ".txt"), texts.Split(' '));

        var abc = Embed("abc.npy", "abc.txt", cap);
        var a = Embed("a.npy", "a.txt", cap);       // a is used again: b and c are now the oldest
        var d = Embed("d.npy", "d.txt", cap);       // over the cap by one row: b goes
        var b = Embed("b.npy", "b.txt", cap);       // b is computed again, and c goes
        var adb = Embed("adb.npy", "adb.txt", cap);
        var c = Embed("c.npy", "c.txt", cap);

        Assert.Equal((0, 3, 0), (abc.Hits, abc.Misses, abc.Evictions));
        Assert.Equal((1, 0, 0), (a.Hits, a.Misses, a.Evictions));
        Assert.Equal((0, 1, 1), (d.Hits, d.Misses, d.Evictions));
        Assert.Equal((0, 1, 1), (b.Hits, b.Misses, b.Evictions));
        Assert.Equal((3, 0, 0), (adb.Hits, adb.Misses, adb.Evictions));
        Assert.Equal((0, 1), (c.Hits, c.Misses));
        Assert.Equal(Reference("adb.txt"), File.ReadAllBytes(PathOf("adb.npy")));
    }

    [Fact]
    public async Task TwoProcessesSharingACache_BothWriteTheRightRows()
    {
        // Overlapping inputs of several chunks each, so the two store and look up at once, some rows in both.
        File.WriteAllLines(PathOf("left.txt"), Texts(0, 3000));
        File.WriteAllLines(PathOf("right.txt"), Texts(1500, 3000));

        var runs = new[] { "left", "right" }.Select(name => RunAsync(
            [.. Args(name + ".npy", name + ".txt"), "--cache", _cache, "--max-batch-tokens", "512"])).ToArray();
        var results = await Task.WhenAll(runs);

        foreach (var (code, log) in results)
            Assert.True(code == 0 && !log.Contains("warning", StringComparison.Ordinal), log);
        Assert.Equal(Reference("left.txt"), File.ReadAllBytes(PathOf("left.npy")));
        Assert.Equal(Reference("right.txt"), File.ReadAllBytes(PathOf("right.npy")));
        Assert.Equal(3000, Embed("left-again.npy", "left.txt").Hits); // every row of both got stored
        Assert.Equal(3000, Embed("right-again.npy", "right.txt").Hits);
    }

    private static async Task<(int Code, string Log)> RunAsync(string[] args)
    {
        using var process = CliRunner.Start(args);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }

    [Fact]
    public void ANaNRowAmongCachedOnes_IsAnErrorNamingItsLine()
    {
        FastModelDirectory.WriteOverflowingOn(_model, "zebra");
        var lines = Texts(0, 20).ToList();
        File.WriteAllLines(PathOf("even.txt"), lines.Where((_, i) => i % 2 == 0));
        Embed("even.npy", "even.txt");
        lines[14] = "a zebra"; // line 15, a miss after seven hits
        File.WriteAllLines(PathOf("zebra.txt"), lines);

        var run = CliRunner.Run([.. Args("zebra.npy", "zebra.txt"), "--cache", _cache]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: {PathOf("zebra.txt")}:15: the embedding of this text came out NaN or infinite", run.StandardError);
    }

    [Fact]
    public void ACacheThatCannotBeOpened_OnlyWarns_AndTheJobComputesEveryRow()
    {
        File.WriteAllText(_cache, "a file where the cache folder should be");

        var run = CliRunner.Run([.. Args("out.npy", "in.txt"), "--cache", _cache]);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains($"warning: {CacheFile}: cannot open the cache", run.StandardError);
        Assert.Contains("cache: 0 hits, 300 misses", run.StandardError);
        Assert.Equal(Reference(), File.ReadAllBytes(PathOf("out.npy")));
    }

    private static SqliteConnection Sqlite(string path)
    {
        var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        return db;
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
