using System.Collections.Concurrent;
using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Models;

/// <summary>
/// HF's Unigram model (<c>encode_optimized</c>, SentencePiece's Viterbi): the segmentation with the highest sum of
/// piece scores, a character no piece covers scoring the lowest score less 10 as the unknown piece; consecutive
/// unknown pieces fused; with byte fallback an unknown piece becomes its UTF-8 bytes' <c>&lt;0xNN&gt;</c> tokens.
/// </summary>
internal sealed class UnigramModel : ITokenModel
{
    // HF's kUnkPenalty.
    private const double UnknownPenalty = 10;
    private const int CacheCapacity = 10_000, CacheMaxWord = 256;

    private readonly string[] _tokens;
    private readonly double[] _scores;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ids;
    private readonly CharTrie _trie = new();
    private readonly double _unknownScore;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, ModelToken[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelToken[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    [ThreadStatic] private static Node[]? t_nodes;

    /// <summary>Builds the model from its pieces in id order.</summary>
    /// <param name="vocab">Each piece and its score (a log probability).</param>
    /// <param name="unkId">The unknown piece's id, or null (then a character no piece covers is an error, as in HF).</param>
    /// <param name="byteFallback">Turn unknown pieces into byte tokens where the vocabulary has them all.</param>
    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocab, int? unkId, bool byteFallback)
    {
        _tokens = [.. vocab.Select(v => v.Piece)];
        _scores = [.. vocab.Select(v => v.Score)];
        var ids = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        // Like HF's map, a piece listed twice keeps its last id, in the map and in the trie.
        for (var id = 0; id < _tokens.Length; id++) ids[_tokens[id]] = id;
        foreach (var (piece, id) in ids) _trie.Add(piece, id);
        _ids = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _unknownScore = (_scores.Length == 0 ? double.PositiveInfinity : _scores.Min()) - UnknownPenalty;
        UnkId = unkId;
        if (byteFallback)
        {
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++) _byteIds[b] = ids.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int IdCount => _tokens.Length;

    public int? UnkId { get; }

    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public int? TokenToId(ReadOnlySpan<char> token) => _ids.TryGetValue(token, out var id) ? id : null;

    // HF's value: the covered text, except for byte-fallback tokens, whose value is "<0xNN>".
    public ReadOnlySpan<char> ValueOf(ModelToken token, ReadOnlySpan<char> word)
    {
        var covered = word[token.Start..token.End];
        return token.Id == UnkId || _ids.TryGetValue(covered, out var id) && id == token.Id ? covered : _tokens[token.Id];
    }

    public void Tokenize(ReadOnlySpan<char> word, List<ModelToken> tokens)
    {
        if (_cacheLookup.TryGetValue(word, out var cached))
        {
            tokens.AddRange(cached);
            return;
        }
        var first = tokens.Count;
        var nodes = BestPath(word);
        Emit(word, nodes, tokens);
        if (word.Length < CacheMaxWord && _cache.Count < CacheCapacity)
            _cacheLookup.TryAdd(word, [.. tokens[first..]]);
    }

    // The Viterbi pass: nodes[end] is the best path ending at code unit `end`, found in HF's order (starts
    // ascending, pieces shortest first, a later candidate only winning with a strictly higher score).
    private Node[] BestPath(ReadOnlySpan<char> word)
    {
        var nodes = t_nodes is { } n && n.Length > word.Length ? n : new Node[Math.Max(word.Length + 1, 64)];
        if (nodes.Length <= ScratchLimit.Elements) t_nodes = nodes;
        Array.Clear(nodes, 0, word.Length + 1);
        for (var start = 0; start < word.Length;)
        {
            var units = char.IsHighSurrogate(word[start]) && start + 1 < word.Length && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            var before = nodes[start].Score;
            var hasSingle = false;
            var node = 0;
            for (var end = start; end < word.Length;)
            {
                node = _trie.Child(node, word[end++]);
                if (node < 0) break;
                var id = _trie.ValueAt(node);
                if (id < 0) continue;
                Offer(ref nodes[end], before + _scores[id], start, id);
                if (end - start == units) hasSingle = true;
            }
            if (!hasSingle)
            {
                var unk = UnkId ?? throw new InvalidOperationException($"the Unigram model has no unk_id, and \"{word}\" has a character none of its pieces covers.");
                Offer(ref nodes[start + units], before + _unknownScore, start, unk);
            }
            start += units;
        }
        return nodes;
    }

    private static void Offer(ref Node target, double score, int start, int id)
    {
        if (target.Reached && score <= target.Score) return;
        target = new Node { Reached = true, Score = score, Start = start, Id = id };
    }

    // Back from the end, fusing runs of unknown pieces, then HF's tokenize: each piece looked up by its text.
    private void Emit(ReadOnlySpan<char> word, Node[] nodes, List<ModelToken> tokens)
    {
        var first = tokens.Count;
        var end = word.Length;
        while (end > 0)
        {
            var start = nodes[end].Start;
            if (nodes[end].Id == UnkId)
            {
                while (start > 0 && nodes[start].Id == UnkId) start = nodes[start].Start;
            }
            tokens.Add(new ModelToken(nodes[end].Id, start, end));
            end = start;
        }
        tokens.Reverse(first, tokens.Count - first);
        for (var i = first; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var piece = word[t.Start..t.End];
            if (_ids.TryGetValue(piece, out var id))
            {
                tokens[i] = t with { Id = id };
            }
            else if (_byteIds is not null && TryBytes(piece, t, tokens, i) is var added and > 0)
            {
                i += added - 1;
            }
            else
            {
                tokens[i] = t with { Id = UnkId!.Value };
            }
        }
    }

    // Byte fallback: the piece's UTF-8 bytes as <0xNN> tokens, each spanning the whole piece as in HF, or nothing
    // unless all exist. Returns how many tokens replace the one at `index`.
    private int TryBytes(ReadOnlySpan<char> piece, ModelToken token, List<ModelToken> tokens, int index)
    {
        var buffer = piece.Length <= 256 ? stackalloc byte[3 * 256] : new byte[Encoding.UTF8.GetMaxByteCount(piece.Length)];
        var bytes = buffer[..Encoding.UTF8.GetBytes(piece, buffer)];
        foreach (var b in bytes)
        {
            if (_byteIds![b] < 0) return 0;
        }
        tokens[index] = token with { Id = _byteIds![bytes[0]] };
        for (var k = 1; k < bytes.Length; k++) tokens.Insert(index + k, token with { Id = _byteIds[bytes[k]] });
        return bytes.Length;
    }

    private struct Node
    {
        public bool Reached;
        public double Score;
        public int Start, Id;
    }
}
