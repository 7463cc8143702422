using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's Lowercase normalizer: Rust's full <c>char::to_lowercase</c> per character, from the table measured from HF (<see cref="BertCharInfo.Lowercase"/>).</summary>
internal sealed class LowercaseNormalizer : INormalizer
{
    public static LowercaseNormalizer Instance { get; } = new();

    public void Normalize(NormalizedText text)
    {
        var chars = text.Text;
        var rewriter = text.BeginRewrite();
        var unchanged = 0;
        for (var i = 0; i < chars.Length;)
        {
            var c = chars[i];
            if (c < 0x80)
            {
                // Runs of ASCII that lowercase needs no table for are copied; only 'A'-'Z' are rewritten.
                if (c is >= 'A' and <= 'Z')
                {
                    rewriter.Copy(unchanged);
                    unchanged = 0;
                    rewriter.Emit(new Rune(c + 32), 0);
                }
                else unchanged++;
                i++;
                continue;
            }
            Rune.DecodeFromUtf16(chars[i..], out var rune, out var units);
            if (BertCharInfo.Lowercase(rune.Value) is { } lower)
            {
                rewriter.Copy(unchanged);
                unchanged = 0;
                var first = true;
                foreach (var r in lower.EnumerateRunes())
                {
                    rewriter.Emit(r, first ? 0 : 1);
                    first = false;
                }
            }
            else unchanged += units;
            i += units;
        }
        rewriter.Copy(unchanged);
        rewriter.Commit();
    }
}
