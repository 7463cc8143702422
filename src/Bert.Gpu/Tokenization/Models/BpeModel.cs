using System.Collections.Concurrent;
using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Models;

/// <summary>
/// HF's BPE model: a word's characters (with the subword prefix / end-of-word suffix, unknown and byte-fallback
/// handling of <c>merge_word</c>) merged by rank, lowest first and leftmost on ties, as its priority queue does.
/// </summary>
internal sealed class BpeModel : ITokenModel
{
    // HF caches up to 10,000 words shorter than 256 bytes; the cache changes nothing but speed.
    private const int CacheCapacity = 10_000, CacheMaxWord = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocab;
    private readonly string?[] _tokens;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly BpeOptions _options;
    private readonly string _prefix, _suffix;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, ModelToken[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelToken[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    [ThreadStatic] private static BpeWord? t_word;

    /// <summary>Builds the model; <paramref name="merges"/> are the pairs in rank order, already checked against <paramref name="vocab"/>.</summary>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(int Left, int Right, int Merged)> merges, BpeOptions options)
    {
        _vocab = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _tokens = new string?[vocab.Count == 0 ? 0 : vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab) _tokens[id] = token;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        // Like HF's map built from the list, a pair listed twice keeps its last rank.
        for (var rank = 0; rank < merges.Count; rank++)
            _merges[Pair(merges[rank].Left, merges[rank].Right)] = (rank, merges[rank].Merged);
        _options = options;
        _prefix = options.ContinuingSubwordPrefix ?? "";
        _suffix = options.EndOfWordSuffix ?? "";
        UnkId = options.UnkToken is { } unk && vocab.TryGetValue(unk, out var unkId) ? unkId : null;
        if (options.ByteFallback)
        {
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++) _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int IdCount => _tokens.Length;

    public int? UnkId { get; }

    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public int? TokenToId(ReadOnlySpan<char> token) => _vocab.TryGetValue(token, out var id) ? id : null;

    public ReadOnlySpan<char> ValueOf(ModelToken token, ReadOnlySpan<char> word) => _tokens[token.Id] ?? "";

    public void Tokenize(ReadOnlySpan<char> word, List<ModelToken> tokens)
    {
        if (_options.IgnoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            tokens.Add(new ModelToken(whole, 0, word.Length));
            return;
        }
        if (_cacheLookup.TryGetValue(word, out var cached))
        {
            tokens.AddRange(cached);
            return;
        }
        var first = tokens.Count;
        var symbols = word.Length <= ScratchLimit.Elements ? t_word ??= new BpeWord() : new BpeWord();
        Split(word, symbols);
        symbols.MergeAll(_merges);
        symbols.AppendTo(tokens);
        if (word.Length < CacheMaxWord && _cache.Count < CacheCapacity)
            _cacheLookup.TryAdd(word, [.. tokens[first..]]);
    }

    // HF's merge_word: one symbol per character, looked up with the prefix (not first) and suffix (last).
    private void Split(ReadOnlySpan<char> word, BpeWord symbols)
    {
        symbols.Clear();
        Span<char> key = stackalloc char[_prefix.Length + 2 + _suffix.Length];
        int unkStart = -1, unkEnd = -1;
        var unkId = -1;
        for (var i = 0; i < word.Length;)
        {
            var units = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var length = 0;
            if (i > 0)
            {
                _prefix.CopyTo(key);
                length = _prefix.Length;
            }
            word.Slice(i, units).CopyTo(key[length..]);
            length += units;
            if (i + units == word.Length)
            {
                _suffix.CopyTo(key[length..]);
                length += _suffix.Length;
            }
            if (_vocab.TryGetValue(key[..length], out var id))
            {
                if (unkStart >= 0) symbols.Add(unkId, unkStart, unkEnd);
                unkStart = -1;
                symbols.Add(id, i, i + units);
            }
            else if (!TryBytes(key[..length], i, i + units, symbols) && _options.UnkToken is { } unk)
            {
                var id2 = UnkId ?? throw new InvalidOperationException($"the BPE model's unk_token \"{unk}\" is not in its vocabulary, and \"{word}\" needs it.");
                if (unkStart >= 0 && _options.FuseUnk)
                {
                    unkEnd = i + units;
                }
                else
                {
                    if (unkStart >= 0) symbols.Add(unkId, unkStart, unkEnd);
                    (unkId, unkStart, unkEnd) = (id2, i, i + units);
                }
            }
            i += units;
        }
        if (unkStart >= 0) symbols.Add(unkId, unkStart, unkEnd);
    }

    // Byte fallback: every UTF-8 byte of the piece as its <0xNN> token, or nothing unless all exist. HF gives
    // each byte a one-byte span; mapped back to the original, that is the whole character for each.
    private bool TryBytes(ReadOnlySpan<char> piece, int start, int end, BpeWord symbols)
    {
        if (_byteIds is null) return false;
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(piece.Length)];
        var count = Encoding.UTF8.GetBytes(piece, bytes);
        foreach (var b in bytes[..count])
        {
            if (_byteIds[b] < 0) return false;
        }
        foreach (var b in bytes[..count]) symbols.Add(_byteIds[b], start, end);
        return true;
    }

    /// <summary>The key of a merge pair.</summary>
    public static long Pair(int left, int right) => (long)left << 32 | (uint)right;
}
