namespace Bert.Gpu.Tokenization;

/// <summary>The characters a token stands for: UTF-16 code units <c>[Start, End)</c> of the string it was encoded from.</summary>
/// <remarks>
/// HuggingFace's npm and Python bindings count Unicode scalar values instead; these are the same spans measured in
/// .NET string indices, so <c>text[span.Start..span.End]</c> is the token's source. A token the post-processor adds
/// (<c>[CLS]</c>, <c>&lt;/s&gt;</c>) has <c>(0, 0)</c>, as in HF.
/// </remarks>
/// <param name="Start">Index of the first code unit.</param>
/// <param name="End">Index one past the last code unit.</param>
public readonly record struct TokenSpan(int Start, int End)
{
    /// <summary>Number of code units covered.</summary>
    public int Length => End - Start;
}
