using Bert.Gpu.Tests.Families;
using Bert.Gpu.Tokenization;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary><c>qa</c> end to end on bert-qa: the best span under PyTorch's logits, and over the windows of a long context.</summary>
public sealed class QaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-qa-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void FixturePairsGetTheBestSpanOfPyTorchsLogits()
    {
        var checkpoint = FamilyCheckpoint.Load("heads", "bert-qa");
        var model = LoadModel("bert-qa");
        var cases = new List<(string Question, string Context, TokenizedText Encoding, int From)>();
        var from = 0;
        foreach (var sequence in checkpoint.Sequences)
        {
            var sep = Array.IndexOf(sequence.Ids, 3);
            var (question, context) = (TextOf(model.Tokenizer, sequence.Ids[1..sep]), TextOf(model.Tokenizer, sequence.Ids[(sep + 1)..^1]));
            if (question is not null && context is not null)
            {
                var encoding = model.Tokenizer.Encode(question, context, 24);
                Assert.Equal(sequence.Ids, encoding.Ids);
                cases.Add((question, context, encoding, from));
            }
            from += sequence.Ids.Length;
        }
        Assert.True(cases.Count >= 2, "at least two fixture pairs must be writable as text");
        File.WriteAllLines(PathOf("in.jsonl"), cases.Select(c => $"{{\"question\": \"{c.Question}\", \"context\": \"{c.Context}\"}}"));

        Succeeds("qa", "-m", Folder("bert-qa"), "-i", PathOf("in.jsonl"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--max-answer-length", "3");

        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(cases.Count, lines.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var n = c.Encoding.Ids.Length;
            var logits = new float[n * 2];
            for (var t = 0; t < n; t++)
                (logits[2 * t], logits[2 * t + 1]) = (checkpoint.Expected["start_logits"][c.From + t], checkpoint.Expected["end_logits"][c.From + t]);
            var context = Enumerable.Range(0, n).Where(t => c.Encoding.TypeIds[t] == 1 && t < n - 1).ToList();
            var (score, first, last) = BestSpan(logits, context, maxAnswer: 3);
            var (start, end) = (c.Encoding.Offsets![first].Start, c.Encoding.Offsets[last].End);
            AssertAnswer(lines[i], c.Context, start, end, score, 1e-4f);
        }
    }

    [Fact]
    public void ALongContextIsCutIntoStridedWindows_AndTheBestSpanOfAllWins()
    {
        var model = LoadModel("bert-qa");
        var tokenizer = model.Tokenizer;
        const string question = "ba bebi";
        var context = string.Join(' ', Enumerable.Range(0, 90).Select(i => tokenizer.IdToToken(5 + (i * 7) % 59)).Where(t => !t.StartsWith("##")));
        File.WriteAllText(PathOf("in.jsonl"), $"{{\"question\": \"{question}\", \"context\": \"{context}\"}}\n");

        Succeeds("qa", "-m", Folder("bert-qa"), "-i", PathOf("in.jsonl"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--stride", "4", "--max-answer-length", "4");

        // The windows built here from the two texts' own tokens: [CLS] question [SEP] context[window] [SEP], 24 at most.
        var q = tokenizer.Encode(question, 1000).Ids[1..^1];
        var whole = tokenizer.Encode(context, 1000);
        var c = whole.Ids[1..^1];
        var offsets = whole.Offsets![1..^1];
        var budget = 24 - q.Length - 3;
        Assert.True(c.Length > 2 * budget, "the context must need several windows");
        var best = (Score: -1f, Start: 0, End: 0);
        for (var w = 0; ; w += budget - 4)
        {
            var count = Math.Min(budget, c.Length - w);
            int[] ids = [2, .. q, 3, .. c[w..(w + count)], 3];
            int[] types = [.. Enumerable.Repeat(0, q.Length + 2), .. Enumerable.Repeat(1, count + 1)];
            var logits = Logits(model, model.Head(), [new TokenizedText(ids, types)]);
            var (score, first, last) = BestSpan(logits, [.. Enumerable.Range(q.Length + 2, count)], maxAnswer: 4);
            if (score > best.Score)
                best = (score, offsets[w + first - q.Length - 2].Start, offsets[w + last - q.Length - 2].End);
            if (w + count >= c.Length)
                break;
        }
        AssertAnswer(ReadLines(PathOf("out.jsonl")).Single(), context, best.Start, best.End, best.Score, Tolerance);
    }

    [Fact]
    public void AStrideAsLongAsAWindowIsOneLineNamingTheRecord()
    {
        File.WriteAllText(PathOf("in.jsonl"), "{\"question\": \"ba\", \"context\": \"mu na ne ni ku la le lo li ta te ti to tu fa fe fi fo fu ga ge gi go gu\"}\n");
        var run = Support.CliRunner.Run("qa", "-m", Folder("bert-qa"), "-i", PathOf("in.jsonl"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--stride", "20");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {PathOf("in.jsonl")}:1: --stride 20 must be less than the 20 context tokens a window holds here (--max-length 24 less 4 for the question and the special tokens); lower --stride or raise --max-length.", run.StandardError.Trim());
    }

    /// <summary>transformers' scoring, read again: softmax over [CLS] and the context, [CLS] zeroed, best P(start)·P(end) with start ≤ end &lt; start + maxAnswer.</summary>
    private static (float Score, int First, int Last) BestSpan(float[] logits, List<int> context, int maxAnswer)
    {
        float[] Probabilities(int column)
        {
            var allowed = context.Prepend(0).ToList();
            var max = allowed.Max(t => logits[2 * t + column]);
            var sum = allowed.Sum(t => Math.Exp(logits[2 * t + column] - max));
            return [.. context.Select(t => (float)(Math.Exp(logits[2 * t + column] - max) / sum))];
        }
        var (start, end) = (Probabilities(0), Probabilities(1));
        var best = (Score: -1f, First: 0, Last: 0);
        for (var s = 0; s < context.Count; s++)
            for (var e = s; e < Math.Min(context.Count, s + maxAnswer); e++)
                if (start[s] * end[e] > best.Score)
                    best = (start[s] * end[e], context[s], context[e]);
        return best;
    }

    private static void AssertAnswer(System.Text.Json.JsonElement line, string context, int start, int end, float score, float tolerance)
    {
        Assert.Equal((start, end), (line.GetProperty("start").GetInt32(), line.GetProperty("end").GetInt32()));
        Assert.Equal(context[start..end], line.GetProperty("answer").GetString());
        Assert.InRange(Math.Abs(line.GetProperty("score").GetSingle() - score), 0, tolerance);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
