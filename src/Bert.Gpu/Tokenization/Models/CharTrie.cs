namespace Bert.Gpu.Tokenization.Models;

/// <summary>A trie of strings over UTF-16 code units with a value per entry, walked one code unit at a time.</summary>
/// <remarks>
/// HF's Unigram trie runs over UTF-8 bytes; every vocabulary entry is whole characters, so the entries that are
/// prefixes of a text, and their order (shortest first), are the same over code units.
/// </remarks>
internal sealed class CharTrie
{
    // Node n's child by code unit c is _children[(n << 16) | c]; _values[n] is the value of the entry ending at n, or -1.
    private readonly Dictionary<long, int> _children = [];
    private readonly List<int> _values = [-1];

    /// <summary>Adds <paramref name="key"/> with <paramref name="value"/> (non-negative), replacing an earlier value.</summary>
    public void Add(ReadOnlySpan<char> key, int value)
    {
        var node = 0;
        foreach (var c in key)
        {
            var edge = (long)node << 16 | c;
            if (!_children.TryGetValue(edge, out var child))
            {
                child = _values.Count;
                _values.Add(-1);
                _children[edge] = child;
            }
            node = child;
        }
        _values[node] = value;
    }

    /// <summary>The child of <paramref name="node"/> (0 is the root) by <paramref name="c"/>, or -1.</summary>
    public int Child(int node, char c) => _children.TryGetValue((long)node << 16 | c, out var child) ? child : -1;

    /// <summary>The value of the entry ending at <paramref name="node"/>, or -1 if none does.</summary>
    public int ValueAt(int node) => _values[node];
}
