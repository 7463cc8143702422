using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's StripAccents normalizer: drops every combining mark (HF's Unicode 9.0 General_Category M, measured).</summary>
/// <remarks>HF's filter leaves each kept character its own span, which is what copying the kept ones does.</remarks>
internal sealed class StripAccentsNormalizer : INormalizer
{
    public static StripAccentsNormalizer Instance { get; } = new();

    public void Normalize(NormalizedText text)
    {
        var chars = text.Text;
        if (!chars.ContainsAnyExceptInRange('\0', '\u02FF')) return;
        var rewriter = text.BeginRewrite();
        var kept = 0;
        for (var i = 0; i < chars.Length;)
        {
            Rune.DecodeFromUtf16(chars[i..], out var rune, out var units);
            if (UnicodeData.IsMark(rune.Value))
            {
                rewriter.Copy(kept);
                kept = 0;
                rewriter.Skip(1);
            }
            else kept += units;
            i += units;
        }
        rewriter.Copy(kept);
        rewriter.Commit();
    }
}
