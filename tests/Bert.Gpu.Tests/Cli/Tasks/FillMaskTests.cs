using Bert.Gpu.Tests.Families;
using Bert.Gpu.Tests.Support;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary><c>fill-mask</c> end to end on the masked-LM checkpoints: the top-k of the softmax over the vocabulary at each mask.</summary>
public sealed class FillMaskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-fill-mask-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("bert-mlm")]
    [InlineData("bert-nsp")]
    public void EachMaskGetsTheTopKOfPyTorchsVocabularySoftmax(string name)
    {
        // bert-mlm's sequence 2, written as text ([MASK] is a token of the text): PyTorch's logits at its mask.
        var checkpoint = FamilyCheckpoint.Load("heads", "bert-mlm");
        var model = LoadModel(name);
        var ids = checkpoint.Sequences[2].Ids;
        var text = TextOf(model.Tokenizer, ids[1..^1])!;
        Assert.Equal(ids, model.Tokenizer.Encode(text, 24).Ids);
        string[] texts = [text, "[MASK] mu [MASK]", "no mask here"];
        File.WriteAllLines(PathOf("in.txt"), texts);

        Succeeds("fill-mask", "-m", Folder(name), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--top-k", "3");

        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(texts.Length, lines.Count);
        var head = model.Head(Heads.HeadKind.MaskedLm);
        var encodings = texts.Select(t => model.Tokenizer.Encode(t, 24)).ToList();
        var logits = Logits(model, head, encodings);
        var row = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var masks = lines[i].GetProperty("masks").EnumerateArray().ToList();
            var positions = Enumerable.Range(0, encodings[i].Ids.Length).Where(t => encodings[i].Ids[t] == 4).ToList();
            Assert.Equal(positions.Count, masks.Count);
            for (var m = 0; m < positions.Count; m++)
            {
                var at = logits.AsSpan((row + positions[m]) * 64, 64).ToArray();
                if (i == 0 && name == "bert-mlm")
                    Assert.InRange(Reference.MaxAbsDiff(checkpoint.Expected["logits"].AsSpan((1 + 2 + positions[m]) * 64, 64).ToArray(), at), 0, 1e-4f);
                var max = at.Max();
                var sum = at.Sum(v => Math.Exp(v - max));
                var expected = Enumerable.Range(0, 64).OrderByDescending(v => at[v]).Take(3).ToList();
                var guesses = masks[m].EnumerateArray().ToList();
                Assert.Equal(expected, guesses.Select(g => g.GetProperty("token").GetInt32()));
                var span = encodings[i].Offsets![positions[m]];
                for (var k = 0; k < 3; k++)
                {
                    var token = model.Tokenizer.IdToToken(expected[k]);
                    Assert.Equal(token, guesses[k].GetProperty("token_str").GetString());
                    Assert.InRange(Math.Abs(guesses[k].GetProperty("score").GetSingle() - Math.Exp(at[expected[k]] - max) / sum), 0, Tolerance);
                    Assert.Equal(texts[i][..span.Start] + token.Replace("##", "") + texts[i][span.End..], guesses[k].GetProperty("sequence").GetString());
                }
            }
            row += encodings[i].Ids.Length;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
