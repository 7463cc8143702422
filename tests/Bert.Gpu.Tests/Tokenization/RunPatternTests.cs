using System.Text.RegularExpressions;
using Bert.Gpu.Tokenization.Normalizers;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>The hand-written scan of repeated-class regexes against .NET's backtracking engine, which for these shapes finds Oniguruma's matches.</summary>
public sealed class RunPatternTests
{
    [Theory]
    [InlineData(" {2,}")]
    [InlineData("a{2,3}")]
    [InlineData("[ab]{2}")]
    [InlineData("\\s+")]
    [InlineData("[^ \\t]+")]
    [InlineData("-{3,}")]
    [InlineData("[a-c\\d]+")]
    [InlineData("[\\-é]+")]
    [InlineData("\\.+")]
    public void Matches_AsARegexEngine(string pattern)
    {
        Assert.NotNull(RunPattern.TryParse(pattern));
        var scan = TextPattern.Regex(pattern);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var random = new Random(pattern.Length);
        const string alphabet = "ab c-\t1é.";
        for (var round = 0; round < 2000; round++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 24)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var actual = new List<(int, int)>();
            scan.Matches(text, actual);
            var expected = regex.Matches(text).Select(m => (m.Index, m.Length)).ToList();
            Assert.True(expected.SequenceEqual(actual), $"/{pattern}/ on \"{text}\": expected {string.Join(" ", expected)}, got {string.Join(" ", actual)}");
        }
    }

    [Theory]
    [InlineData("a*")]
    [InlineData("a+?")]
    [InlineData("ab+")]
    [InlineData("(a)+")]
    [InlineData("\\p{L}+")]
    [InlineData("[[:alpha:]]+")]
    public void OtherShapes_AreLeftToTheRegexEngine(string pattern) => Assert.Null(RunPattern.TryParse(pattern));
}
