using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>HF's WhitespaceSplit: words between runs of whitespace (Rust's <c>char::is_whitespace</c>, i.e. <see cref="char.IsWhiteSpace(char)"/>), which are dropped.</summary>
internal sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public static WhitespaceSplitPreTokenizer Instance { get; } = new();

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var text = source.TextOf(split);
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && !char.IsWhiteSpace(text[i])) continue;
            destination.AddSlice(source, split.Start + start, i - start);
            start = i + 1;
        }
    }
}
