using Bert.Gpu.Tests.Families;
using Bert.Gpu.Tests.Support;
using static Bert.Gpu.Tests.Cli.Tasks.HeadCheckpoints;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary><c>classify</c> end to end on the head checkpoints: PyTorch's probabilities, the library's scores, labels by id2label.</summary>
public sealed class ClassifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-classify-").FullName;

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void FixtureTextsGetPyTorchsProbabilitiesAndLogits()
    {
        // Sequences 1 ([CLS] [SEP]: the empty text) and 2 of bert-seqcls, written as text.
        var checkpoint = FamilyCheckpoint.Load("heads", "bert-seqcls");
        var model = LoadModel("bert-seqcls");
        var texts = new[] { "", TextOf(model.Tokenizer, checkpoint.Sequences[2].Ids[1..^1])! };
        for (var i = 0; i < texts.Length; i++)
            Assert.Equal(checkpoint.Sequences[i + 1].Ids, model.Tokenizer.Encode(texts[i], 24).Ids);
        File.WriteAllLines(PathOf("in.txt"), texts);

        Succeeds("classify", "-m", Folder("bert-seqcls"), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu");
        Succeeds("classify", "-m", Folder("bert-seqcls"), "-i", PathOf("in.txt"), "-o", PathOf("raw.jsonl"), "-d", "cpu", "--raw-scores");

        string[] labels = ["negative", "neutral", "positive"];
        var lines = ReadLines(PathOf("out.jsonl"));
        var raw = ReadLines(PathOf("raw.jsonl"));
        Assert.Equal(2, lines.Count);
        for (var i = 0; i < 2; i++)
        {
            foreach (var (file, tensor) in new[] { (lines, "probabilities"), (raw, "logits") })
            {
                var expected = checkpoint.Expected[tensor].AsSpan((i + 1) * 3, 3).ToArray();
                var scores = file[i].GetProperty("scores").EnumerateArray().ToList();
                Assert.Equal(3, scores.Count);
                var written = scores.ToDictionary(s => s.GetProperty("label").GetString()!, s => s.GetProperty("score").GetSingle());
                for (var l = 0; l < 3; l++)
                    Assert.InRange(Math.Abs(written[labels[l]] - expected[l]), 0, 1e-4);
                var values = scores.Select(s => s.GetProperty("score").GetSingle()).ToList();
                Assert.Equal(values.OrderByDescending(v => v), values);
                var best = Array.IndexOf(expected, expected.Max());
                Assert.Equal(labels[best], file[i].GetProperty("label").GetString());
                Assert.Equal(values[0], file[i].GetProperty("score").GetSingle());
            }
        }
    }

    [Theory]
    [InlineData("bert-multilabel")]
    [InlineData("distilbert-seqcls")]
    [InlineData("albert-seqcls")]
    [InlineData("electra-seqcls")]
    [InlineData("roberta-seqcls")]
    public void ScoresAreTheHeadsScoresOfTheTextsIds(string name)
    {
        var model = LoadModel(name);
        var head = model.Head();
        string[] texts = ["ba bebi bo", "mu na ne ni ku la", "ta"];
        File.WriteAllLines(PathOf("in.txt"), texts);

        Succeeds("classify", "-m", Folder(name), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu", "--top-k", "2");

        var logits = Logits(model, head, texts.Select(t => model.Tokenizer.Encode(t, model.MaxLength)).ToList());
        var lines = ReadLines(PathOf("out.jsonl"));
        Assert.Equal(texts.Length, lines.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = head.Score(logits.AsSpan(i * head.Width, head.Width));
            var order = Enumerable.Range(0, head.Width).OrderByDescending(l => expected[l]).Take(2).ToList();
            var scores = lines[i].GetProperty("scores").EnumerateArray().ToList();
            Assert.Equal(2, scores.Count);
            for (var k = 0; k < 2; k++)
            {
                Assert.Equal(head.Labels[order[k]], scores[k].GetProperty("label").GetString());
                Assert.InRange(Math.Abs(scores[k].GetProperty("score").GetSingle() - expected[order[k]]), 0, Tolerance);
            }
            Assert.Equal(head.Labels[order[0]], lines[i].GetProperty("label").GetString());
        }
    }

    [Fact]
    public void ACheckpointWithAnotherHeadIsOneLineNamingItsArchitecture()
    {
        File.WriteAllLines(PathOf("in.txt"), ["ba"]);
        var run = CliRunner.Run("classify", "-m", Folder("bert-tokencls"), "-i", PathOf("in.txt"), "-o", PathOf("out.jsonl"), "-d", "cpu");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --model {Folder("bert-tokencls")}: classify needs a …ForSequenceClassification checkpoint, but its config.json's architectures says BertForTokenClassification; choose a checkpoint with that head.", run.StandardError.Trim());
        Assert.False(File.Exists(PathOf("out.jsonl")));
    }

    [Fact]
    public void AnExistingOutputNeedsOverwrite_AndABadRecordNamesItsLine()
    {
        File.WriteAllLines(PathOf("in.jsonl"), ["{\"text\": \"ba\"}", "{\"text\": 3}"]);
        File.WriteAllText(PathOf("out.jsonl"), "keep");
        var exists = CliRunner.Run("classify", "-m", Folder("bert-seqcls"), "-i", PathOf("in.jsonl"), "--text-field", "text", "-o", PathOf("out.jsonl"), "-d", "cpu");
        Assert.Equal(2, exists.ExitCode);
        Assert.Contains("exists; pass --overwrite to replace it", exists.StandardError);
        Assert.Equal("keep", File.ReadAllText(PathOf("out.jsonl")));

        var bad = CliRunner.Run("classify", "-m", Folder("bert-seqcls"), "-i", PathOf("in.jsonl"), "--text-field", "text", "-o", PathOf("out.jsonl"), "-d", "cpu", "--overwrite");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal($"error: {PathOf("in.jsonl")}:2: field \"text\" is a number, not a string; check --text-field.", bad.StandardError.Trim());
        Assert.Equal("keep", File.ReadAllText(PathOf("out.jsonl")));
        Assert.Equal(["in.jsonl", "out.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order()); // no temporary file left
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
