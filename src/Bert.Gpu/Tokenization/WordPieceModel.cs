using System.Text;

namespace Bert.Gpu.Tokenization;

/// <summary>HuggingFace's WordPiece model: greedy longest-match-first over the vocabulary, one [UNK] for a word it cannot cover.</summary>
internal sealed class WordPieceModel
{
    // Pieces that start a word, and continuation pieces keyed without their prefix, so a lookup never
    // has to build prefix + piece: a span of the word itself is the key.
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _starts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;
    private readonly int _unkId;
    private readonly int _maxCharsPerWord;

    public WordPieceModel(IReadOnlyList<string> tokens, int unkId, string continuingSubwordPrefix, int maxCharsPerWord)
    {
        var starts = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            // Like HF's vocabulary map, a token listed twice keeps its last id.
            starts[tokens[id]] = id;
            if (tokens[id].StartsWith(continuingSubwordPrefix, StringComparison.Ordinal))
                continuations[tokens[id][continuingSubwordPrefix.Length..]] = id;
        }
        _starts = starts.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = continuations.GetAlternateLookup<ReadOnlySpan<char>>();
        _unkId = unkId;
        _maxCharsPerWord = maxCharsPerWord;
    }

    /// <summary>Appends the ids of <paramref name="word"/>'s pieces to <paramref name="ids"/> and, if given, the code units each covers to <paramref name="pieces"/>.</summary>
    public void Tokenize(ReadOnlySpan<char> word, List<int> ids, List<TokenSpan>? pieces = null)
    {
        // HF counts Unicode scalar values, not UTF-16 units, against max_input_chars_per_word.
        if (word.Length > _maxCharsPerWord && CountScalars(word) > _maxCharsPerWord)
        {
            ids.Add(_unkId);
            pieces?.Add(new TokenSpan(0, word.Length));
            return;
        }
        var firstPiece = ids.Count;
        var firstSpan = pieces?.Count ?? 0;
        var start = 0;
        while (start < word.Length)
        {
            var lookup = start == 0 ? _starts : _continuations;
            var end = word.Length;
            var found = -1;
            while (end > start)
            {
                if (lookup.TryGetValue(word[start..end], out found)) break;
                found = -1;
                end -= end - 2 >= start && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? 2 : 1;
            }
            if (found < 0)
            {
                ids.RemoveRange(firstPiece, ids.Count - firstPiece);
                ids.Add(_unkId);
                if (pieces is not null)
                {
                    pieces.RemoveRange(firstSpan, pieces.Count - firstSpan);
                    pieces.Add(new TokenSpan(0, word.Length));
                }
                return;
            }
            ids.Add(found);
            pieces?.Add(new TokenSpan(start, end));
            start = end;
        }
    }

    private static int CountScalars(ReadOnlySpan<char> word)
    {
        var count = 0;
        foreach (var _ in word.EnumerateRunes()) count++;
        return count;
    }
}
