using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's Nmt normalizer (SentencePiece's nmt rules without the charsmap): ASCII controls dropped, odd spaces and separators to a space.</summary>
internal sealed class NmtNormalizer : INormalizer
{
    public static NmtNormalizer Instance { get; } = new();

    public void Normalize(NormalizedText text)
    {
        var chars = text.Text;
        var rewriter = text.BeginRewrite();
        for (var i = 0; i < chars.Length;)
        {
            Rune.DecodeFromUtf16(chars[i..], out var rune, out var units);
            i += units;
            var cp = rune.Value;
            if (cp is >= 0x01 and <= 0x08 or 0x0B or >= 0x0E and <= 0x1F or 0x7F or 0x8F or 0x9F)
            {
                rewriter.Skip(1);
                continue;
            }
            var space = cp is 0x09 or 0x0A or 0x0C or 0x0D or 0x1680 or >= 0x200B and <= 0x200F or 0x2028 or 0x2029 or 0x2581 or 0xFEFF or 0xFFFD;
            rewriter.Emit(space ? new Rune(' ') : rune, 0);
        }
        rewriter.Commit();
    }
}
