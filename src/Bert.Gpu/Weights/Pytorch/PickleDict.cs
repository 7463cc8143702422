namespace Bert.Gpu.Weights.Pytorch;

/// <summary>
/// A dict or OrderedDict as the unpickler builds it: insertion-ordered, with string or integer keys. A repeated key keeps
/// its first place and takes the new value, as in Python.
/// </summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = [];
    private readonly List<KeyValuePair<object, object?>> _items = [];

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Sets <paramref name="key"/> (a string or a long) to <paramref name="value"/>.</summary>
    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            _items[i] = new(key, value);
            return;
        }
        _index[key] = _items.Count;
        _items.Add(new(key, value));
    }
}
