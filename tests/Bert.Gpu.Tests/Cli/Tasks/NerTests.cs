using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary><c>ner</c> end to end on bert-tokencls (labels O, B-PER, I-PER, B-LOC, I-LOC): per-token tags and scores, BIO grouping, words from offsets.</summary>
public sealed class NerTests : IDisposable
{
    private static readonly string[] Texts = ["ba bebi bo mu", "mu na ne nidu ku la le", "gelu fa to ge", "lo"];

    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-ner-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void NoneListsEveryTokenNotTaggedO_WithItsScore()
    {
        // The fixture's single texts start with a ## piece, so none can be written as text: the library's scores
        // (checked against PyTorch's by HeadOracleTests) are the reference here.
        var model = LoadModel("bert-tokencls");
        var texts = Texts;
        File.WriteAllLines(PathOf("in.txt"), texts);

        Succeeds("ner", "-m", Folder("bert-tokencls"), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--aggregation", "none");

        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(texts.Length, lines.Count);
        var tokens = Tokens(model, texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = tokens[i].Where(t => t.Label != "O").ToList();
            var entities = lines[i].GetProperty("entities").EnumerateArray().ToList();
            Assert.Equal(expected.Count, entities.Count);
            for (var e = 0; e < expected.Count; e++)
            {
                var t = expected[e];
                Assert.Equal(t.Label, entities[e].GetProperty("entity").GetString());
                Assert.Equal(t.Index, entities[e].GetProperty("index").GetInt32());
                Assert.Equal((t.Start, t.End), (entities[e].GetProperty("start").GetInt32(), entities[e].GetProperty("end").GetInt32()));
                Assert.Equal(texts[i][t.Start..t.End], entities[e].GetProperty("word").GetString());
                Assert.InRange(Math.Abs(entities[e].GetProperty("score").GetSingle() - t.Score), 0, Tolerance);
            }
        }
        Assert.Contains(lines, l => l.GetProperty("entities").GetArrayLength() > 0);
    }

    [Fact]
    public void SimpleGroupsTokensByTheirBioTags_AveragingScores()
    {
        File.WriteAllLines(PathOf("in.txt"), Texts);
        Succeeds("ner", "-m", Folder("bert-tokencls"), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--aggregation", "simple");

        var lines = ReadLines(PathOf("out.jsonl"));
        var tokens = Tokens(LoadModel("bert-tokencls"), Texts);
        for (var i = 0; i < Texts.Length; i++)
        {
            var expected = Group(tokens[i]);
            var entities = lines[i].GetProperty("entities").EnumerateArray().ToList();
            Assert.Equal(expected.Count, entities.Count);
            for (var e = 0; e < expected.Count; e++)
            {
                var g = expected[e];
                Assert.Equal(Type(g[0].Label), entities[e].GetProperty("entity_group").GetString());
                Assert.Equal((g[0].Start, g[^1].End), (entities[e].GetProperty("start").GetInt32(), entities[e].GetProperty("end").GetInt32()));
                Assert.Equal(Texts[i][g[0].Start..g[^1].End], entities[e].GetProperty("word").GetString());
                Assert.InRange(Math.Abs(entities[e].GetProperty("score").GetSingle() - g.Average(t => t.Score)), 0, Tolerance);
            }
        }
    }

    [Theory]
    [InlineData("first")]
    [InlineData("average")]
    [InlineData("max")]
    public void WordStrategiesTagWholeWordsThenGroupThem(string strategy)
    {
        File.WriteAllLines(PathOf("in.txt"), Texts);
        Succeeds("ner", "-m", Folder("bert-tokencls"), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--aggregation", strategy);

        var lines = ReadLines(PathOf("out.jsonl"));
        var model = LoadModel("bert-tokencls");
        var tokens = Tokens(model, Texts);
        Assert.Contains(tokens, t => t.Any(x => x.Subword)); // "bebi" and "nidu" are two pieces each
        for (var i = 0; i < Texts.Length; i++)
        {
            // transformers' aggregate_word, read again: a word is a token and the ## pieces after it.
            var words = new List<Token>();
            foreach (var piece in tokens[i].Select((t, n) => (t, n)).GroupBy(x => tokens[i].Take(x.n + 1).Count(t => !t.Subword)))
            {
                var word = piece.Select(x => x.t).ToList();
                var scores = strategy switch
                {
                    "first" => word[0].Scores,
                    "max" => word.First(t => t.Scores.Max() == word.Max(w => w.Scores.Max())).Scores,
                    _ => Enumerable.Range(0, 5).Select(l => (float)word.Average(t => (double)t.Scores[l])).ToArray(),
                };
                var best = Array.IndexOf(scores, scores.Max());
                words.Add(new Token(word[0].Index, model.Head().Labels[best], scores[best], scores, word[0].Start, word[^1].End, false));
            }
            var expected = Group(words);
            var entities = lines[i].GetProperty("entities").EnumerateArray().ToList();
            Assert.Equal(expected.Count, entities.Count);
            for (var e = 0; e < expected.Count; e++)
            {
                var g = expected[e];
                Assert.Equal(Type(g[0].Label), entities[e].GetProperty("entity_group").GetString());
                Assert.Equal((g[0].Start, g[^1].End), (entities[e].GetProperty("start").GetInt32(), entities[e].GetProperty("end").GetInt32()));
                Assert.Equal(Texts[i][g[0].Start..g[^1].End], entities[e].GetProperty("word").GetString());
                Assert.InRange(Math.Abs(entities[e].GetProperty("score").GetSingle() - g.Average(t => t.Score)), 0, Tolerance);
            }
        }
    }

    /// <summary>
    /// A second reading of transformers' group_entities: a token joins the group before it when its type is the
    /// group's and it is not tagged B-; groups of O are left out.
    /// </summary>
    private static List<List<Token>> Group(List<Token> tokens)
    {
        var groups = new List<List<Token>>();
        foreach (var t in tokens)
        {
            if (groups.Count > 0 && !t.Label.StartsWith("B-") && Type(groups[^1][^1].Label) == Type(t.Label))
                groups[^1].Add(t);
            else
                groups.Add([t]);
        }
        return groups.Where(g => Type(g[0].Label) != "O").ToList();
    }

    private sealed record Token(int Index, string Label, float Score, float[] Scores, int Start, int End, bool Subword);

    private static string Type(string label) => label.Contains('-') ? label[2..] : label;

    /// <summary>Each text's tokens (specials left out) with the best label of the library's softmax scores.</summary>
    private static List<List<Token>> Tokens(Bert.Gpu.Model.BertModel model, string[] texts)
    {
        var head = model.Head();
        var encodings = texts.Select(t => model.Tokenizer.Encode(t, 24)).ToList();
        var logits = Logits(model, head, encodings);
        var result = new List<List<Token>>();
        var row = 0;
        foreach (var encoding in encodings)
        {
            var tokens = new List<Token>();
            for (var t = 0; t < encoding.Ids.Length; t++, row++)
            {
                if (encoding.Ids[t] is 2 or 3)
                    continue;
                var scores = head.Score(logits.AsSpan(row * 5, 5));
                var best = Array.IndexOf(scores, scores.Max());
                var span = encoding.Offsets![t];
                tokens.Add(new Token(t, head.Labels[best], scores[best], scores, span.Start, span.End, model.Tokenizer.IdToToken(encoding.Ids[t]).StartsWith("##")));
            }
            result.Add(tokens);
        }
        return result;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
