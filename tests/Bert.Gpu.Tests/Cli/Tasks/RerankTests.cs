using Bert.Gpu.Tests.Families;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary><c>rerank</c> end to end on the one-logit cross-encoder (bert-regression) and a 3-label head.</summary>
public sealed class RerankTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-rerank-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void PairRecordsGetPyTorchsSigmoidInInputOrder_AndSortOrdersEachQuery()
    {
        // The fixture's (query, text) pairs that can be written as text, against PyTorch's sigmoid of the logit.
        var checkpoint = FamilyCheckpoint.Load("heads", "bert-regression");
        var model = LoadModel("bert-regression");
        var pairs = new List<(string Query, string Text, float Expected)>();
        for (var i = 0; i < checkpoint.Sequences.Count; i++)
        {
            var ids = checkpoint.Sequences[i].Ids;
            var sep = Array.IndexOf(ids, 3);
            var (query, text) = (TextOf(model.Tokenizer, ids[1..sep]), TextOf(model.Tokenizer, ids[(sep + 1)..^1]));
            if (query is null || text is null)
                continue;
            Assert.Equal(ids, model.Tokenizer.Encode(query, text, 24).Ids);
            pairs.Add((query, text, checkpoint.Expected["probabilities"][i]));
        }
        Assert.True(pairs.Count >= 3, "at least three fixture pairs must be writable as text");
        // Two runs of the same query, then another: --sort orders within each run of one query.
        var records = pairs.Take(2).Select(p => (Query: "ba be", p.Text)).Concat(pairs.Select(p => (p.Query, p.Text))).ToList();
        File.WriteAllLines(PathOf("in.jsonl"), records.Select(r => $"{{\"q\": \"{r.Query}\", \"doc\": \"{r.Text}\"}}"));

        Succeeds("rerank", "-m", Folder("bert-regression"), "-i", PathOf("in.jsonl"), "--query-field", "q", "--text-field", "doc", "-o", PathOf("out.jsonl"), "-d", "cpu");
        Succeeds("rerank", "-m", Folder("bert-regression"), "-i", PathOf("in.jsonl"), "--query-field", "q", "--text-field", "doc", "-o", PathOf("sorted.jsonl"), "-d", "cpu", "--sort");

        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(records.Count, lines.Count);
        Assert.Equal(Enumerable.Range(0, records.Count), lines.Select(l => l.GetProperty("index").GetInt32()));
        var head = model.Head();
        var logits = Logits(model, head, records.Select(r => model.Tokenizer.Encode(r.Query, r.Text, 24)).ToList());
        for (var i = 0; i < records.Count; i++)
            Assert.InRange(Math.Abs(lines[i].GetProperty("score").GetSingle() - 1 / (1 + MathF.Exp(-logits[i]))), 0, Tolerance);
        for (var p = 0; p < pairs.Count; p++)
            Assert.InRange(Math.Abs(lines[2 + p].GetProperty("score").GetSingle() - pairs[p].Expected), 0, 1e-4);

        var sorted = ReadLines(PathOf("sorted.jsonl"));
        var byIndex = lines.ToDictionary(l => l.GetProperty("index").GetInt32(), l => l.GetProperty("score").GetSingle());
        Assert.Equal(byIndex.Count, sorted.Count);
        var position = 0;
        foreach (var run in Runs(records.Select(r => r.Query).ToList()))
        {
            var expected = run.OrderByDescending(i => byIndex[i]).ThenBy(i => i).ToList();
            Assert.Equal(expected, sorted.Skip(position).Take(run.Count).Select(l => l.GetProperty("index").GetInt32()));
            position += run.Count;
        }
    }

    [Fact]
    public void OneQueryForEveryTextOfAFile_IsTheSameAsPairRecords()
    {
        string[] texts = ["mu na", "ba bebi bo", "ta te ti"];
        File.WriteAllLines(PathOf("texts.txt"), texts);
        File.WriteAllLines(PathOf("pairs.jsonl"), texts.Select(t => $"{{\"query\": \"ku la\", \"text\": \"{t}\"}}"));

        Succeeds("rerank", "-m", Folder("bert-regression"), "--query", "ku la", "-i", PathOf("texts.txt"), "-o", PathOf("a.jsonl"), "-d", "cpu");
        Succeeds("rerank", "-m", Folder("bert-regression"), "-i", PathOf("pairs.jsonl"), "-o", PathOf("b.jsonl"), "-d", "cpu");

        Assert.Equal(File.ReadAllText(PathOf("b.jsonl")), File.ReadAllText(PathOf("a.jsonl")));
    }

    [Fact]
    public void AHeadWithSeveralLabelsScoresTheChosenLabelsProbability_OrItsLogit()
    {
        string[] texts = ["mu na", "ba bebi bo"];
        File.WriteAllLines(PathOf("texts.txt"), texts);
        Succeeds("rerank", "-m", Folder("bert-seqcls"), "-q", "ku", "-i", PathOf("texts.txt"), "-o", PathOf("last.jsonl"), "-d", "cpu");
        Succeeds("rerank", "-m", Folder("bert-seqcls"), "-q", "ku", "-i", PathOf("texts.txt"), "-o", PathOf("neutral.jsonl"), "-d", "cpu", "--label", "neutral", "--raw-scores");

        var model = LoadModel("bert-seqcls");
        var head = model.Head();
        var logits = Logits(model, head, texts.Select(t => model.Tokenizer.Encode("ku", t, 24)).ToList());
        var last = ReadLines(PathOf("last.jsonl"));
        var neutral = ReadLines(PathOf("neutral.jsonl"));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.InRange(Math.Abs(last[i].GetProperty("score").GetSingle() - head.Score(logits.AsSpan(i * 3, 3))[2]), 0, Tolerance);
            Assert.InRange(Math.Abs(neutral[i].GetProperty("score").GetSingle() - logits[i * 3 + 1]), 0, Tolerance);
        }

        var run = Support.CliRunner.Run("rerank", "-m", Folder("bert-seqcls"), "-q", "ku", "-i", PathOf("texts.txt"), "-o", PathOf("x.jsonl"), "-d", "cpu", "--label", "joy");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --label joy: model '{Folder("bert-seqcls")}' has no such label; its labels are negative, neutral, positive.", run.StandardError.Trim());
    }

    private static IEnumerable<List<int>> Runs(List<string> queries)
    {
        var run = new List<int>();
        for (var i = 0; i < queries.Count; i++)
        {
            if (run.Count > 0 && queries[i] != queries[run[0]])
            {
                yield return run;
                run = [];
            }
            run.Add(i);
        }
        if (run.Count > 0)
            yield return run;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
