using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// Opens the cache file of a folder, <c>DIR/embeddings.sqlite</c>, ready for use: WAL journal (readers never wait
/// for the writer), a busy timeout, and a file that is ours (<see cref="CacheSchema"/>). A file that is not — garbage,
/// a foreign or other-version database, a damaged one — is reported in one line, moved aside to
/// <c>embeddings.sqlite.corrupt</c> (with its <c>-wal</c> and <c>-shm</c>; a previous one replaced) and replaced by
/// an empty cache. Opening and rebuilding hold <c>embeddings.sqlite.lock</c>, so two processes never rebuild at
/// once, nor open a file another is moving aside.
/// </summary>
internal static class CacheFile
{
    /// <summary>The cache file's name in its folder.</summary>
    public const string Name = "embeddings.sqlite";

    /// <summary>
    /// How long a process waits for another's lock or transaction before it gives the cache up for the run: the
    /// longest transaction, a store of a 1,024-row chunk with its evictions, takes well under a second.
    /// </summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Companions = ["", "-wal", "-shm"];

    /// <summary>Opens (creating or rebuilding as needed) the cache file in <paramref name="directory"/>.</summary>
    /// <exception cref="SqliteException">SQLite failed otherwise (a read-only or full disk, a lock held too long).</exception>
    /// <exception cref="IOException">The folder cannot be made or the lock file not taken in <see cref="BusyTimeout"/>.</exception>
    public static SqliteConnection Open(string directory, TextWriter warnings) => Open(directory, warnings, rebuild: false);

    /// <summary>
    /// As <see cref="Open(string, TextWriter)"/>, once a query found the open file damaged: the file is checked whole
    /// (<c>PRAGMA quick_check</c>, seconds for a 1 GiB file, but this is rare) and moved aside unless it passes — as it
    /// does when another process rebuilt it first.
    /// </summary>
    public static SqliteConnection Rebuild(string directory, TextWriter warnings) => Open(directory, warnings, rebuild: true);

    private static SqliteConnection Open(string directory, TextWriter warnings, bool rebuild)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Name);
        using var held = Lock(path + ".lock");
        var connection = Connect(path);
        try
        {
            var problem = Check(connection, rebuild);
            if (problem is null)
                return connection;
            connection.Dispose();
            MoveAside(path);
            warnings.WriteLine($"warning: {path} {problem}; moved it aside to {path}.corrupt and started an empty cache (nothing of it was served; delete the .corrupt file when done looking)");
            connection = Connect(path);
            return Check(connection, whole: false) is { } again
                ? throw new IOException($"{path}: a fresh cache file {again}")
                : connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Null when the file is a usable cache (made so when empty), else what is wrong with it.</summary>
    private static string? Check(SqliteConnection connection, bool whole)
    {
        try
        {
            connection.Open();
            var problem = CacheSchema.Ready(connection);
            if (problem is null && whole)
                problem = QuickCheck(connection);
            if (problem is null)
                Configure(connection);
            return problem;
        }
        catch (SqliteException e) when (CacheSchema.IsCorruption(e))
        {
            return $"is not a readable SQLite database ({e.Message.TrimEnd('.')})";
        }
    }

    private static string? QuickCheck(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check(1)";
        var verdict = command.ExecuteScalar() as string;
        // SQLite reports over several lines; a warning is one.
        return verdict == "ok" ? null : $"is damaged (quick_check: {verdict?.ReplaceLineEndings(" ")})";
    }

    private static SqliteConnection Connect(string path) => new(new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        // Pooled connections would keep a moved-aside file open under the name of the new one.
        Pooling = false,
        DefaultTimeout = (int)BusyTimeout.TotalSeconds,
    }.ToString());

    /// <summary>
    /// WAL: many readers and one writer at once, across processes. synchronous=NORMAL: in WAL mode a power cut may
    /// lose the last transactions but never damages the file — right for a cache, and it spares an fsync per store.
    /// </summary>
    private static void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};";
        command.ExecuteNonQuery();
    }

    private static void MoveAside(string path)
    {
        foreach (var suffix in Companions)
        {
            if (File.Exists(path + suffix))
                File.Move(path + suffix, path + ".corrupt" + suffix, overwrite: true);
            else
                File.Delete(path + ".corrupt" + suffix); // a stale companion must not pair with the new .corrupt file
        }
    }

    /// <summary>Takes the lock file (an exclusive <c>flock</c> on Unix, a share-none handle on Windows), retrying until <see cref="BusyTimeout"/>.</summary>
    private static FileStream Lock(string path)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < BusyTimeout)
            {
                Thread.Sleep(20);
            }
        }
    }
}
