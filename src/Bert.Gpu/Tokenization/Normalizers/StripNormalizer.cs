using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>HF's Strip normalizer: whitespace (Rust's <c>char::is_whitespace</c>, which is <see cref="char.IsWhiteSpace(char)"/>) off either end.</summary>
internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public void Normalize(NormalizedText text)
    {
        var chars = text.Text;
        var start = 0;
        if (left)
        {
            while (start < chars.Length && char.IsWhiteSpace(chars[start])) start++;
        }
        var end = chars.Length;
        if (right)
        {
            while (end > start && char.IsWhiteSpace(chars[end - 1])) end--;
        }
        if (start == 0 && end == chars.Length) return;
        var rewriter = text.BeginRewrite();
        rewriter.Skip(start);
        rewriter.Copy(end - start);
        rewriter.Commit();
    }
}
