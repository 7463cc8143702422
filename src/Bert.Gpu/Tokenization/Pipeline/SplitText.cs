namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>
/// HF's PreTokenizedString: the splits of one text, back to back in one buffer with the original span of every code
/// unit (see <see cref="NormalizedText"/>). A pre-tokenizer reads one <see cref="SplitText"/> and appends to another,
/// so a whole pipeline reuses two buffers.
/// </summary>
internal sealed class SplitText
{
    private char[] _chars = new char[256];
    private int[] _starts = new int[256];
    private int[] _ends = new int[256];

    /// <summary>The splits, in text order.</summary>
    public List<Split> Splits { get; } = [];

    /// <summary>Code units written so far.</summary>
    public int Length { get; private set; }

    /// <summary>All split text, back to back.</summary>
    public ReadOnlySpan<char> Chars => _chars.AsSpan(0, Length);

    /// <summary>The first original code unit of each code unit of <see cref="Chars"/>.</summary>
    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, Length);

    /// <summary>One past the last original code unit of each code unit of <see cref="Chars"/>.</summary>
    public ReadOnlySpan<int> Ends => _ends.AsSpan(0, Length);

    /// <summary>The text of <paramref name="split"/>.</summary>
    public ReadOnlySpan<char> TextOf(Split split) => _chars.AsSpan(split.Start, split.Length);

    /// <summary>Empties the buffer.</summary>
    public void Clear()
    {
        Length = 0;
        Splits.Clear();
    }

    /// <summary>Appends <paramref name="length"/> code units of <paramref name="text"/> from <paramref name="start"/> as a new split (nothing if empty, as HF drops empty splits).</summary>
    public void AddSlice(NormalizedText text, int start, int length, int tokenId = -1) =>
        AddSlice(text.Text, text.Starts, text.Ends, start, length, tokenId);

    /// <summary>Appends a range of another <see cref="SplitText"/> as a new split.</summary>
    public void AddSlice(SplitText source, int start, int length, int tokenId = -1) =>
        AddSlice(source.Chars, source.Starts, source.Ends, start, length, tokenId);

    /// <summary>Appends a split made of the code units written since <paramref name="from"/> (see <see cref="Append(char, int, int)"/>).</summary>
    public void CloseSplit(int from)
    {
        if (Length > from) Splits.Add(new Split(from, Length - from, _starts[from], -1));
    }

    /// <summary>Appends one code unit with its original span, for a split closed later by <see cref="CloseSplit"/>.</summary>
    public void Append(char c, int start, int end)
    {
        Grow(Length + 1);
        _chars[Length] = c;
        _starts[Length] = start;
        _ends[Length] = end;
        Length++;
    }

    /// <summary>Appends code units of another buffer unchanged, for a split closed later by <see cref="CloseSplit"/>.</summary>
    public void Append(ReadOnlySpan<char> chars, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends)
    {
        Grow(Length + chars.Length);
        chars.CopyTo(_chars.AsSpan(Length));
        starts.CopyTo(_starts.AsSpan(Length));
        ends.CopyTo(_ends.AsSpan(Length));
        Length += chars.Length;
    }

    /// <summary>Adds a split over code units already written from <paramref name="start"/> (a sub-range of text just appended).</summary>
    public void AddWrittenRange(int start, int length)
    {
        // HF's slice: the split's original shift is where its first character's alignment starts.
        if (length > 0) Splits.Add(new Split(start, length, _starts[start], -1));
    }

    private void AddSlice(ReadOnlySpan<char> chars, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, int start, int length, int tokenId)
    {
        if (length == 0) return;
        var at = Length;
        Append(chars.Slice(start, length), starts.Slice(start, length), ends.Slice(start, length));
        Splits.Add(new Split(at, length, _starts[at], tokenId));
    }

    private void Grow(int length)
    {
        if (_chars.Length >= length) return;
        var size = Math.Max(length, _chars.Length * 2);
        Array.Resize(ref _chars, size);
        Array.Resize(ref _starts, size);
        Array.Resize(ref _ends, size);
    }
}
