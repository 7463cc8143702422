using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>longest_first lengths, as HF tokenizers 0.23.2 produces them (max length includes the 3 special tokens; lengths as counted with HF's early stop).</summary>
public sealed class PairTruncationTests
{
    [Theory]
    // A budget of 7 (max length 10): the cases of HF's own truncation unit tests.
    [InlineData(0, 0, 10, 0, 0)]
    [InlineData(0, 8, 10, 0, 7)]
    [InlineData(2, 8, 10, 2, 5)]
    [InlineData(4, 4, 10, 3, 4)]
    [InlineData(4, 8, 10, 3, 4)]
    [InlineData(8, 2, 10, 5, 2)]
    [InlineData(8, 4, 10, 4, 3)]
    [InlineData(8, 8, 10, 3, 4)]
    [InlineData(2, 4, 10, 2, 4)]
    // Long texts stop near the max length, so they often tie and the second gets the odd token.
    [InlineData(32, 32, 32, 14, 15)]
    [InlineData(33, 32, 32, 15, 14)]
    [InlineData(31, 30, 32, 15, 14)]
    [InlineData(5, 33, 32, 5, 24)]
    [InlineData(3, 3, 3, 0, 0)]
    public void Lengths_MatchHuggingFace(int first, int second, int maxLength, int keptFirst, int keptSecond) =>
        Assert.Equal((keptFirst, keptSecond), PairTruncation.Lengths(first, second, maxLength));
}
