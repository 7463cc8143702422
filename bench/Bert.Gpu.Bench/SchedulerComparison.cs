using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>scheduler</c>: on a real length distribution (fortunes), tokens/s of the KV-free scheduler (packed, padding-free
/// batches under a token budget, longest-first windows) against the common alternative: fixed batches of 32 in input
/// order, each padded to its longest sequence (what a padded engine computes; pad rows are real work that is thrown away).
/// Both run the same encoder on the same backend; tokens/s counts real tokens only.
/// </summary>
internal static class SchedulerComparison
{
    private const int FixedBatch = 32;

    public static int Run(string[] args)
    {
        var run = CorpusRun.Load(args);
        var (model, sequences, repeats, real) = (run.Model, run.Sequences, run.Repeats, run.Tokens);
        var padded = sequences.Chunk(FixedBatch).Sum(b => (long)b.Length * b.Max(s => s.Ids.Length));

        using var backend = new HostBackend();
        using var embedder = new Embedder(model, backend);
        var scheduled = Timing.Median(repeats, () => embedder.EmbedAsync(sequences).GetAwaiter().GetResult());

        using var encoder = new BertEncoder(model, backend);
        var rows = new float[FixedBatch * model.Config.HiddenSize];
        var fixedPadded = Timing.Median(repeats, () =>
        {
            foreach (var batch in sequences.Chunk(FixedBatch))
                encoder.Embed(new PackedBatch(Pad(batch)), model.DefaultPooling, true, rows);
        });

        Console.WriteLine($"model {run.ModelName}: {run.Texts.Count} texts from {run.Corpus}, {real} real tokens; batches of {FixedBatch} padded to their longest hold {padded} ({100.0 * (padded - real) / padded:F1}% padding)");
        Console.WriteLine("| batching | seconds | real tokens/s | tokens computed |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| scheduler: packed, ≤ {embedder.MaxBatchTokens} tokens, longest-first windows | {scheduled:F2} | {real / scheduled:F0} | {real} |");
        Console.WriteLine($"| fixed {FixedBatch} in input order, padded to the longest | {fixedPadded:F2} | {real / fixedPadded:F0} | {padded} |");
        Console.WriteLine($"speed-up {fixedPadded / scheduled:F2}×, padding avoided {padded - real} tokens ({100.0 * (padded - real) / padded:F1}% of the padded work)");
        return 0;
    }

    /// <summary>
    /// Each sequence lengthened to the batch's longest, as a padded engine computes it. Id 0 is [PAD] in BERT
    /// vocabularies; which id does not matter, the cost is the same and the pad rows are discarded.
    /// </summary>
    private static TokenizedText[] Pad(TokenizedText[] batch)
    {
        var width = batch.Max(s => s.Ids.Length);
        return batch.Select(s => new TokenizedText([.. s.Ids, .. new int[width - s.Ids.Length]], new int[width])).ToArray();
    }
}
