namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// One chunk of an embed job looked up in the cache: the rows found, and the texts left to compute, in input order.
/// Those are computed into the front of the chunk's rows buffer; <see cref="Complete"/> then stores them and spreads
/// them to their places among the found rows, so the buffer ends as if every row had been computed.
/// </summary>
internal sealed class CachedChunk
{
    private readonly EmbeddingCache _cache;
    private readonly byte[][] _keys;
    private readonly float[]?[] _found;
    private readonly int[] _missing; // indices in the chunk of the rows to compute, ascending

    private CachedChunk(EmbeddingCache cache, byte[][] keys)
    {
        _cache = cache;
        _keys = keys;
        _found = cache.Lookup(keys);
        _missing = [.. Enumerable.Range(0, keys.Length).Where(i => _found[i] is null)];
    }

    /// <summary>Looks up the rows of <paramref name="texts"/> (keyed by <paramref name="ids"/> instead where the input is pre-tokenized).</summary>
    public static CachedChunk Find(EmbeddingCache cache, IReadOnlyList<string> texts, IReadOnlyList<int[]>? ids) => new(cache,
        ids is null ? [.. texts.Select(cache.Keys.ForText)] : [.. ids.Select(i => cache.Keys.ForIds(i))]);

    /// <summary>Looks up the rows of pre-tokenized <paramref name="sequences"/>, keyed by their ids (the server's rows).</summary>
    public static CachedChunk Find(EmbeddingCache cache, IReadOnlyList<Bert.Gpu.Tokenization.TokenizedText> sequences) =>
        new(cache, [.. sequences.Select(s => cache.Keys.ForIds(s.Ids))]);

    /// <summary>Rows to compute.</summary>
    public int Missing => _missing.Length;

    /// <summary>The index in the chunk of the <paramref name="computed"/>-th row computed.</summary>
    public int Original(int computed) => _missing[computed];

    /// <summary>The items of the rows to compute, in order.</summary>
    public List<T> OnlyMissing<T>(IReadOnlyList<T> items) => [.. _missing.Select(i => items[i])];

    /// <summary>
    /// Once <paramref name="computing"/> has put the missing rows in the front of <paramref name="rows"/>
    /// (<c>[chunk, width]</c>): stores them, then spreads them to their places and fills in the found ones. Returns
    /// the tokens computed.
    /// </summary>
    public async Task<long> Complete(Task<long> computing, Memory<float> rows, int width)
    {
        var tokens = await computing.ConfigureAwait(false);
        _cache.Store(OnlyMissing(_keys), rows[..(_missing.Length * width)]);
        Spread(rows.Span, width);
        return tokens;
    }

    /// <summary>
    /// From the last row back: the k-th missing row moves from k to its index, never below k, and no row still
    /// waiting to move lies above the one being written, so the buffer is rearranged in place.
    /// </summary>
    private void Spread(Span<float> rows, int width)
    {
        var next = _missing.Length - 1;
        for (var i = _found.Length - 1; i >= 0; i--)
        {
            var target = rows.Slice(i * width, width);
            if (_found[i] is { } found)
                found.CopyTo(target);
            else
            {
                if (next != i)
                    rows.Slice(next * width, width).CopyTo(target);
                next--;
            }
        }
    }
}
