using Microsoft.Data.Sqlite;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// A content-addressed store of embedding rows in <c>DIR/embeddings.sqlite</c>, shared by <c>embed</c> and the
/// server and by any number of processes at once: rows are filed under <see cref="CacheKey"/>s of one
/// <see cref="CacheIdentity"/>, looked up and stored many at a time, the least recently used evicted past a cap of
/// bytes. The cache is an optimization and never a reason for a job to fail: any failure (a full disk, a lock held
/// past <see cref="CacheFile.BusyTimeout"/>) prints one warning and turns it off for the rest of the run, every
/// lookup then a miss; a damaged file is moved aside and rebuilt once. Thread-safe (one operation at a time).
/// </summary>
internal sealed class EmbeddingCache : IDisposable
{
    /// <summary>The default cap: 1 GiB, about 680,000 rows of 384 floats (MiniLM's) at 1,568 bytes a row with its key.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly int _width;
    private readonly long _maxBytes;
    private readonly TextWriter _warnings;
    private SqliteConnection? _connection; // null: off for the rest of the run
    private bool _rebuilt;

    private EmbeddingCache(string directory, CacheIdentity identity, long maxBytes, TextWriter warnings, SqliteConnection? connection, long bytes)
    {
        _directory = directory;
        _width = identity.Width;
        _maxBytes = maxBytes;
        _warnings = warnings;
        _connection = connection;
        Keys = new CacheKey(identity);
        Counters.Holding(bytes);
    }

    /// <summary>What this cache did since it was opened.</summary>
    public CacheCounters Counters { get; } = new();

    /// <summary>The keys of this cache's rows.</summary>
    public CacheKey Keys { get; }

    /// <summary>The cache file.</summary>
    public string Path => System.IO.Path.Combine(_directory, CacheFile.Name);

    /// <summary>
    /// Opens the cache in <paramref name="directory"/> (made if missing) for rows of <paramref name="identity"/>, at
    /// most <paramref name="maxBytes"/> bytes of keys and rows in all. Never throws for the file's sake: a cache that
    /// cannot be opened is reported on <paramref name="warnings"/> and works as one that holds nothing.
    /// </summary>
    public static EmbeddingCache Open(string directory, CacheIdentity identity, long maxBytes, TextWriter warnings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        SqliteConnection? connection = null;
        var bytes = 0L;
        try
        {
            connection = CacheFile.Open(directory, warnings);
            bytes = Stored(connection, null);
        }
        catch (Exception e) when (Degradable(e))
        {
            connection?.Dispose();
            connection = null;
            warnings.WriteLine($"warning: {System.IO.Path.Combine(directory, CacheFile.Name)}: cannot open the cache ({e.Message}); computing every row without it — fix the folder's permissions or space, or drop --cache");
        }
        return new EmbeddingCache(directory, identity, maxBytes, warnings, connection, bytes);
    }

    /// <summary>
    /// The rows stored under <paramref name="keys"/>, null for each not found (or found damaged: deleted, never served);
    /// the rows found count as used now.
    /// </summary>
    public float[]?[] Lookup(IReadOnlyList<byte[]> keys)
    {
        lock (_gate)
        {
            var rows = new float[]?[keys.Count];
            if (_connection is not null && !Guard("reading", () => Find(keys, rows)))
                Array.Clear(rows); // rows read before the failure passed their checks, but a failed lookup serves nothing
            var hits = rows.Count(r => r is not null);
            Counters.Count(hits, keys.Count - hits);
            return rows;
        }
    }

    /// <summary>Stores <paramref name="rows"/> (<c>[keys, width]</c>) under <paramref name="keys"/>, evicting the least recently used rows past the cap.</summary>
    public void Store(IReadOnlyList<byte[]> keys, ReadOnlyMemory<float> rows)
    {
        if (rows.Length != keys.Count * _width)
            throw new ArgumentException($"{rows.Length} values are not {keys.Count} rows of {_width}.", nameof(rows));
        lock (_gate)
        {
            if (_connection is not null && keys.Count > 0)
                Guard("writing", () => Insert(keys, rows.Span));
        }
    }

    private void Find(IReadOnlyList<byte[]> keys, float[]?[] rows)
    {
        var connection = _connection!;
        var damaged = new List<byte[]>();
        using (var read = connection.BeginTransaction(deferred: true)) // one snapshot for the whole lookup
        using (var select = Command(connection, read, "SELECT width, row, checksum FROM rows WHERE key = $key", "$key"))
        {
            for (var i = 0; i < keys.Count; i++)
            {
                select.Parameters[0].Value = keys[i];
                using var reader = select.ExecuteReader();
                if (!reader.Read())
                    continue;
                rows[i] = CacheRow.Decode(keys[i], _width, reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetInt64(2));
                if (rows[i] is null)
                    damaged.Add(keys[i]);
            }
        }
        if (damaged.Count > 0)
        {
            Counters.Drop(damaged.Count);
            _warnings.WriteLine($"warning: {Path}: {damaged.Count} stored row(s) failed their checksum or width check; deleted and computed again, never served (delete the file if this repeats)");
        }
        if (damaged.Count == 0 && rows.All(r => r is null))
            return; // nothing to mark used: no write, no wait for another process's
        using var write = connection.BeginTransaction(deferred: false);
        var clock = Tick(connection, write);
        using (var touch = Command(connection, write, "UPDATE rows SET used = $used WHERE key = $key", "$key", "$used"))
        {
            touch.Parameters[1].Value = clock;
            for (var i = 0; i < keys.Count; i++)
            {
                if (rows[i] is null)
                    continue;
                touch.Parameters[0].Value = keys[i];
                touch.ExecuteNonQuery();
            }
        }
        using (var delete = Command(connection, write, "DELETE FROM rows WHERE key = $key RETURNING length(key) + length(row)", "$key"))
        {
            var freed = 0L;
            foreach (var key in damaged)
            {
                delete.Parameters[0].Value = key;
                freed += Convert.ToInt64(delete.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
            }
            EvictAndCommit(connection, write, -freed);
        }
    }

    private void Insert(IReadOnlyList<byte[]> keys, ReadOnlySpan<float> rows)
    {
        var connection = _connection!;
        using var write = connection.BeginTransaction(deferred: false);
        var clock = Tick(connection, write);
        var added = 0L;
        using (var insert = Command(connection, write,
            "INSERT INTO rows (key, width, row, checksum, used) VALUES ($key, $width, $row, $checksum, $used) ON CONFLICT (key) DO NOTHING",
            "$key", "$width", "$row", "$checksum", "$used"))
        {
            insert.Parameters[1].Value = _width;
            insert.Parameters[4].Value = clock;
            for (var i = 0; i < keys.Count; i++)
            {
                var values = CacheRow.Encode(rows.Slice(i * _width, _width));
                insert.Parameters[0].Value = keys[i];
                insert.Parameters[2].Value = values;
                insert.Parameters[3].Value = CacheRow.Checksum(keys[i], _width, values);
                // Another process may have stored the same row since the lookup: it stays, counted once.
                if (insert.ExecuteNonQuery() == 1)
                    added += keys[i].Length + values.Length;
            }
        }
        EvictAndCommit(connection, write, added);
    }

    /// <summary>Adds <paramref name="change"/> to the stored bytes, evicts the least recently used rows while over the cap, commits.</summary>
    private void EvictAndCommit(SqliteConnection connection, SqliteTransaction write, long change)
    {
        var bytes = Stored(connection, write) + change;
        var evicted = new List<long>();
        if (bytes > _maxBytes)
        {
            using var oldest = Command(connection, write, "SELECT id, length(key) + length(row) FROM rows ORDER BY used, id");
            using var reader = oldest.ExecuteReader();
            while (bytes > _maxBytes && reader.Read())
            {
                evicted.Add(reader.GetInt64(0));
                bytes -= reader.GetInt64(1);
            }
        }
        using (var delete = Command(connection, write, "DELETE FROM rows WHERE id = $id", "$id"))
        {
            foreach (var id in evicted)
            {
                delete.Parameters[0].Value = id;
                delete.ExecuteNonQuery();
            }
        }
        using (var update = Command(connection, write, "UPDATE state SET bytes = $bytes WHERE id = 1", "$bytes"))
        {
            update.Parameters[0].Value = bytes;
            update.ExecuteNonQuery();
        }
        write.Commit();
        Counters.Evicted(evicted.Count);
        Counters.Holding(bytes);
    }

    /// <summary>The next value of the file's use clock: one per transaction, so "least recently used" is exact across processes.</summary>
    private static long Tick(SqliteConnection connection, SqliteTransaction write) =>
        CacheSchema.Scalar(connection, "UPDATE state SET clock = clock + 1 WHERE id = 1 RETURNING clock", write);

    private static long Stored(SqliteConnection connection, SqliteTransaction? transaction) =>
        CacheSchema.Scalar(connection, "SELECT bytes FROM state WHERE id = 1", transaction);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    /// <summary>
    /// Runs <paramref name="operation"/>; a damaged file is rebuilt (once a run) and the operation given up; any other
    /// failure turns the cache off with one warning. Either way the caller computes what the cache did not give.
    /// Returns whether the operation succeeded.
    /// </summary>
    private bool Guard(string doing, Action operation)
    {
        try
        {
            operation();
            return true;
        }
        catch (SqliteException e) when (CacheSchema.IsCorruption(e) && !_rebuilt)
        {
            _rebuilt = true;
            _connection!.Dispose();
            _connection = null;
            try
            {
                _connection = CacheFile.Rebuild(_directory, _warnings);
                Counters.Holding(Stored(_connection, null));
            }
            catch (Exception again) when (Degradable(again))
            {
                TurnOff("rebuilding", again);
            }
        }
        catch (Exception e) when (Degradable(e))
        {
            TurnOff(doing, e);
        }
        return false;
    }

    private void TurnOff(string doing, Exception e)
    {
        _connection?.Dispose();
        _connection = null;
        _warnings.WriteLine($"warning: {Path}: {doing} the cache failed ({e.Message}); computing every row without it for the rest of this run — free space, or check what holds the file");
    }

    private static bool Degradable(Exception e) => e is SqliteException or IOException or UnauthorizedAccessException;

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }
}
