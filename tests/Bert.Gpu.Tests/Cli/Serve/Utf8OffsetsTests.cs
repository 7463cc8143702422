using System.Text;
using Bert.Gpu.Cli.Serve;

namespace Bert.Gpu.Tests.Cli.Serve;

/// <summary>/tokenize's running UTF-8 offsets equal counting each one from the start of the text.</summary>
public sealed class Utf8OffsetsTests
{
    [Fact]
    public void EveryPosition_InOrder_BackwardsAndInsidePairs_MatchesCountingFromTheStart()
    {
        var random = new Random(7);
        string[] pieces = ["a", "é", "中", "😀", "\uD800", "\uDC00", " ", "ß"];
        for (var round = 0; round < 50; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)]));
            var offsets = new TeiRoutes.Utf8Offsets(text);
            var positions = Enumerable.Range(0, 60).Select(_ => random.Next(0, text.Length + 1)).ToList();
            positions.Sort();
            if (round % 3 == 0)
                positions.Reverse(); // backwards: counted again from the start
            else if (round % 3 == 1)
                positions = [.. positions.Select(p => random.Next(3) == 0 ? random.Next(0, text.Length + 1) : p)];
            foreach (var p in positions)
                Assert.Equal(Encoding.UTF8.GetByteCount(text.AsSpan(0, p)), offsets.At(p));
        }
    }
}
