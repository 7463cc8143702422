namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// What a cache did since it was opened, for the embed summary and the server's <c>/metrics</c>. Thread-safe: the
/// counts are updated with interlocked operations and read at any time.
/// </summary>
internal sealed class CacheCounters
{
    private long _hits, _misses, _evictions, _dropped, _bytes;

    /// <summary>Rows found and served.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Rows looked up and not found (or not servable), so computed.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Rows this process evicted, least recently used first, to keep the file under its cap.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Stored rows that failed their checksum or width check, deleted and never served.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bytes of rows (keys and values) the whole cache file held after this process's last operation on it.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    internal void Count(long hits, long misses)
    {
        Interlocked.Add(ref _hits, hits);
        Interlocked.Add(ref _misses, misses);
    }

    internal void Evicted(long rows) => Interlocked.Add(ref _evictions, rows);

    internal void Drop(long rows) => Interlocked.Add(ref _dropped, rows);

    internal void Holding(long bytes) => Interlocked.Exchange(ref _bytes, bytes);
}
