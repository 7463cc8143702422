using System.Text;

namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>
/// HuggingFace's NormalizedString: a piece of text being normalized, and for each of its UTF-16 code units the span
/// of the original string it came from.
/// </summary>
/// <remarks>
/// HF keeps its alignments per UTF-8 byte, relative to the slice; here they are per code unit and absolute (indices
/// into the string passed to Encode), which gives the same token offsets: every unit of one character carries that
/// character's alignment in both. Normalizers rewrite the text with <see cref="Rewriter"/>, whose
/// <see cref="Rewriter.Emit"/> reproduces HF's <c>transform</c> rule for which original span a new character gets.
/// A buffer is reused across calls, so the steady state allocates nothing.
/// </remarks>
internal sealed class NormalizedText
{
    private char[] _chars = new char[64];
    private int[] _starts = new int[64];
    private int[] _ends = new int[64];
    private char[] _nextChars = new char[64];
    private int[] _nextStarts = new int[64];
    private int[] _nextEnds = new int[64];

    /// <summary>Number of UTF-16 code units of normalized text.</summary>
    public int Length { get; private set; }

    /// <summary>HF's <c>original_shift</c>: where in the original string this piece starts.</summary>
    public int OriginalShift { get; private set; }

    /// <summary>The normalized text.</summary>
    public ReadOnlySpan<char> Text => _chars.AsSpan(0, Length);

    /// <summary>For each code unit of <see cref="Text"/>, the first original code unit it came from.</summary>
    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, Length);

    /// <summary>For each code unit of <see cref="Text"/>, one past the last original code unit it came from.</summary>
    public ReadOnlySpan<int> Ends => _ends.AsSpan(0, Length);

    /// <summary>Starts over with <paramref name="original"/> unchanged; it begins at <paramref name="originalStart"/> of the string being encoded.</summary>
    public void Reset(ReadOnlySpan<char> original, int originalStart)
    {
        Ensure(ref _chars, ref _starts, ref _ends, original.Length);
        original.CopyTo(_chars);
        for (var i = 0; i < original.Length;)
        {
            var units = char.IsHighSurrogate(original[i]) && i + 1 < original.Length && char.IsLowSurrogate(original[i + 1]) ? 2 : 1;
            for (var u = 0; u < units; u++)
            {
                _starts[i + u] = originalStart + i;
                _ends[i + u] = originalStart + i + units;
            }
            i += units;
        }
        Length = original.Length;
        OriginalShift = originalStart;
    }

    /// <summary>Starts a rewrite of the whole text; <see cref="Rewriter.Commit"/> makes its output the new text.</summary>
    public Rewriter BeginRewrite() => new(this);

    /// <summary>The normalized text as a string (tests and added-token patterns).</summary>
    public override string ToString() => Text.ToString();

    private static void Ensure(ref char[] chars, ref int[] starts, ref int[] ends, int length)
    {
        if (chars.Length >= length) return;
        var size = Math.Max(length, chars.Length * 2);
        chars = new char[size];
        starts = new int[size];
        ends = new int[size];
    }

    private static void Grow(ref char[] chars, ref int[] starts, ref int[] ends, int length)
    {
        if (chars.Length >= length) return;
        var size = Math.Max(length, chars.Length * 2);
        Array.Resize(ref chars, size);
        Array.Resize(ref starts, size);
        Array.Resize(ref ends, size);
    }

    /// <summary>Writes a new version of a <see cref="NormalizedText"/> character by character, as HF's <c>transform</c> does.</summary>
    /// <remarks>
    /// Each emitted character names a change: 0 replaces the next source character (and takes its span), -n also
    /// drops the n characters after it, and +1 inserts a character, which takes the span of the source character
    /// before the read position ((shift, shift) at the very start, like HF's (0, 0) in its relative alignments).
    /// </remarks>
    public ref struct Rewriter
    {
        private readonly NormalizedText _owner;
        private int _read;
        private int _written;

        public Rewriter(NormalizedText owner)
        {
            _owner = owner;
            Grow(ref owner._nextChars, ref owner._nextStarts, ref owner._nextEnds, owner.Length);
        }

        /// <summary>The source position (code units) the next change-0 character replaces.</summary>
        public readonly int ReadPosition => _read;

        /// <summary>HF's <c>initial_offset</c>: drops <paramref name="characters"/> source characters without output.</summary>
        public void Skip(int characters)
        {
            for (var i = 0; i < characters; i++) _read += UnitsAt(_read);
        }

        /// <summary>Copies the next <paramref name="units"/> source code units unchanged (change 0 for each character).</summary>
        public void Copy(int units)
        {
            var o = _owner;
            Grow(ref o._nextChars, ref o._nextStarts, ref o._nextEnds, _written + units);
            o._chars.AsSpan(_read, units).CopyTo(o._nextChars.AsSpan(_written));
            o._starts.AsSpan(_read, units).CopyTo(o._nextStarts.AsSpan(_written));
            o._ends.AsSpan(_read, units).CopyTo(o._nextEnds.AsSpan(_written));
            _read += units;
            _written += units;
        }

        /// <summary>Writes <paramref name="rune"/> with HF's <paramref name="change"/> (see the type's remarks).</summary>
        public void Emit(Rune rune, int change)
        {
            var o = _owner;
            int start, end;
            if (change > 0)
            {
                (start, end) = _read == 0 ? (o.OriginalShift, o.OriginalShift) : (o._starts[_read - 1], o._ends[_read - 1]);
            }
            else
            {
                start = o._starts[_read];
                end = o._ends[_read];
                _read += UnitsAt(_read);
                for (var i = 0; i < -change; i++) _read += UnitsAt(_read);
            }
            Grow(ref o._nextChars, ref o._nextStarts, ref o._nextEnds, _written + 2);
            var units = rune.EncodeToUtf16(o._nextChars.AsSpan(_written));
            for (var u = 0; u < units; u++)
            {
                o._nextStarts[_written + u] = start;
                o._nextEnds[_written + u] = end;
            }
            _written += units;
        }

        /// <summary>Replaces the text with what was written; source characters not read are dropped.</summary>
        public readonly void Commit()
        {
            var o = _owner;
            (o._chars, o._nextChars) = (o._nextChars, o._chars);
            (o._starts, o._nextStarts) = (o._nextStarts, o._starts);
            (o._ends, o._nextEnds) = (o._nextEnds, o._ends);
            o.Length = _written;
        }

        private readonly int UnitsAt(int position)
        {
            var chars = _owner._chars;
            return position + 1 < _owner.Length && char.IsHighSurrogate(chars[position]) && char.IsLowSurrogate(chars[position + 1]) ? 2 : 1;
        }
    }
}
