using System.Buffers;
using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's ByteLevel pre-tokenizer: optionally a space before the text, the GPT-2 pattern's words, and each word's UTF-8
/// bytes written as <see cref="ByteLevelAlphabet"/> characters (each carrying the span of the character it encodes).
/// </summary>
/// <param name="addPrefixSpace">Put a space before a split that does not start with one (every split, as HF does, not just the first).</param>
/// <param name="useRegex">Cut into the GPT-2 pattern's words; otherwise the split stays one word.</param>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private const int StackLimit = 512;

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var text = source.TextOf(split);
        var starts = source.Starts.Slice(split.Start, split.Length);
        var ends = source.Ends.Slice(split.Start, split.Length);
        var prefix = addPrefixSpace && text[0] != ' ' ? 1 : 0;
        if (prefix == 0)
        {
            Emit(text, starts, ends, 0, destination);
            return;
        }
        // The pattern must see the added space (" 's" is not "'s"), so the scan runs over a prefixed copy; the
        // space takes the first character's span, as HF's prepend does.
        char[]? rented = null;
        Span<char> scan = text.Length + 1 <= StackLimit ? stackalloc char[StackLimit] : rented = ArrayPool<char>.Shared.Rent(text.Length + 1);
        scan = scan[..(text.Length + 1)];
        scan[0] = ' ';
        text.CopyTo(scan[1..]);
        Emit(scan, starts, ends, 1, destination);
        if (rented is not null) ArrayPool<char>.Shared.Return(rented);
    }

    // Writes the words of `scan`, whose position p is position p - shift of the split (shift 1: a prefixed space).
    private void Emit(ReadOnlySpan<char> scan, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, int shift, SplitText destination)
    {
        Span<byte> bytes = stackalloc byte[4];
        var i = 0;
        while (i < scan.Length)
        {
            var end = useRegex ? Gpt2Pattern.MatchEnd(scan, i) : scan.Length;
            var from = destination.Length;
            while (i < end)
            {
                Rune.DecodeFromUtf16(scan[i..], out var rune, out var units);
                var source = Math.Max(i - shift, 0);
                var count = rune.EncodeToUtf8(bytes);
                for (var b = 0; b < count; b++)
                    destination.Append(ByteLevelAlphabet.CharOfByte[bytes[b]], starts[source], ends[source]);
                i += units;
            }
            destination.CloseSplit(from);
        }
    }
}
