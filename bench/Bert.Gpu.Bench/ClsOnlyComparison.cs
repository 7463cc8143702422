using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>cls [--model arctic-xs]</c>: what running the last layer on the first tokens only saves under CLS pooling
/// (<see cref="BertEncoder.ClsOnlyLastLayer"/>): the corpus in packed batches of ≤ 8,192 tokens through one host encoder,
/// the whole last layer against the cut one, same batches, median of the repeats; and that the embeddings are equal.
/// </summary>
internal static class ClsOnlyComparison
{
    public static int Run(string[] args)
    {
        if (Args.Get(args, "--model") is null)
            args = [.. args, "--model", "arctic-xs"];
        var run = CorpusRun.Load(args);
        var batches = Pack(run.Sequences.OrderByDescending(s => s.Ids.Length).ToArray(), 8192);
        using var host = new HostBackend();
        using var encoder = new BertEncoder(run.Model, host);
        var width = run.Model.Config.HiddenSize;
        float[] Embed(bool clsOnly)
        {
            encoder.ClsOnlyLastLayer = clsOnly;
            var rows = new float[run.Sequences.Length * width];
            var at = 0;
            foreach (var batch in batches)
            {
                encoder.Embed(batch, PoolingMode.Cls, normalize: true, rows.AsSpan(at, batch.Sequences * width));
                at += batch.Sequences * width;
            }
            return rows;
        }
        float[] whole = [], cut = [];
        var wholeSeconds = Timing.Median(run.Repeats, () => whole = Embed(false));
        var cutSeconds = Timing.Median(run.Repeats, () => cut = Embed(true));
        Console.WriteLine($"model {run.ModelName} ({run.Model.Config.NumLayers} layers), CLS pooling: {run.Texts.Count} texts, {run.Tokens} tokens, " +
                          $"{batches.Count} batches, {host.DeviceName}");
        Console.WriteLine("| last layer | seconds | tokens/s |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| whole | {wholeSeconds:F2} | {run.Tokens / wholeSeconds:F0} |");
        Console.WriteLine($"| first tokens only | {cutSeconds:F2} | {run.Tokens / cutSeconds:F0} |");
        Console.WriteLine($"saved {1 - cutSeconds / wholeSeconds:P1}; embeddings equal bit for bit: {whole.AsSpan().SequenceEqual(cut)}");
        return 0;
    }

    private static List<PackedBatch> Pack(IReadOnlyList<TokenizedText> sequences, int maxTokens)
    {
        var batches = new List<PackedBatch>();
        var current = new List<TokenizedText>();
        var tokens = 0;
        foreach (var s in sequences)
        {
            if (tokens + s.Ids.Length > maxTokens && current.Count > 0)
            {
                batches.Add(new PackedBatch(current));
                (current, tokens) = ([], 0);
            }
            current.Add(s);
            tokens += s.Ids.Length;
        }
        if (current.Count > 0)
            batches.Add(new PackedBatch(current));
        return batches;
    }
}
