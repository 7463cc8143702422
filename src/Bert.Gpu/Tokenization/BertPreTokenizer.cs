using System.Text;

namespace Bert.Gpu.Tokenization;

/// <summary>HuggingFace's BertPreTokenizer: split on whitespace (removed), then isolate each punctuation character.</summary>
internal static class BertPreTokenizer
{
    /// <summary>Calls <paramref name="onWord"/> with each word of <paramref name="text"/>, in order.</summary>
    public static void Split<TState>(ReadOnlySpan<char> text, ref TState state, WordHandler<TState> onWord)
    {
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var used);
            var cp = rune.Value;
            if (BertCharInfo.IsSplitWhitespace(cp))
            {
                if (i > start) onWord(text[start..i], start, ref state);
                start = i + used;
            }
            else if (BertCharInfo.IsPunctuation(cp))
            {
                if (i > start) onWord(text[start..i], start, ref state);
                onWord(text.Slice(i, used), i, ref state);
                start = i + used;
            }
            i += used;
        }
        if (text.Length > start) onWord(text[start..], start, ref state);
    }

    /// <summary>Receives one word of the pre-tokenized text and the index of its first character there.</summary>
    public delegate void WordHandler<TState>(ReadOnlySpan<char> word, int start, ref TState state);
}
