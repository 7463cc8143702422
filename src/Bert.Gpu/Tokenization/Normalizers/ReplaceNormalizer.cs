using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's Replace normalizer: every match of the pattern becomes the content, which takes the span of the match's last character.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : INormalizer
{
    [ThreadStatic] private static List<(int Start, int Length)>? t_matches;

    public void Normalize(NormalizedText text)
    {
        var matches = t_matches ??= [];
        matches.Clear();
        pattern.Matches(text.Text, matches);
        if (matches.Count == 0) return;
        var chars = text.Text;
        var rewriter = text.BeginRewrite();
        foreach (var (start, length) in matches)
        {
            rewriter.Copy(start - rewriter.ReadPosition);
            var characters = 0;
            foreach (var _ in chars.Slice(start, length).EnumerateRunes()) characters++;
            rewriter.Skip(characters);
            // HF's replace inserts every content character (change 1) after removing the match.
            foreach (var rune in content.EnumerateRunes()) rewriter.Emit(rune, 1);
        }
        rewriter.Copy(chars.Length - rewriter.ReadPosition);
        rewriter.Commit();
        if (matches.Count > ScratchLimit.Elements) t_matches = null;
    }
}
