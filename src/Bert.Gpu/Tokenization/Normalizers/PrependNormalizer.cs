using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's Prepend normalizer: a string before non-empty text, taking the span of its first character.</summary>
internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public void Normalize(NormalizedText text)
    {
        if (text.Length == 0 || prefix.Length == 0) return;
        var rewriter = text.BeginRewrite();
        var first = true;
        // HF's prepend: the prefix's first character replaces the text's first (change 0), the rest of the prefix
        // and that character are inserted after it, so all of them share its span.
        Rune.DecodeFromUtf16(text.Text, out var firstRune, out _);
        foreach (var rune in prefix.EnumerateRunes())
        {
            rewriter.Emit(rune, first ? 0 : 1);
            first = false;
        }
        rewriter.Emit(firstRune, 1);
        rewriter.Copy(text.Length - rewriter.ReadPosition);
        rewriter.Commit();
    }
}
