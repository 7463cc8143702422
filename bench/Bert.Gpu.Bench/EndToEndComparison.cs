using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using Microsoft.ML.OnnxRuntime;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>e2e [--max-length N] [--no-shapes]</c>: tokens/s of the host backend against ONNX Runtime (CPU execution provider, all cores) on the same
/// model.onnx and the same pre-tokenized real corpus, encoder + pooling (+ L2 normalization) timed, median of several runs. ORT is
/// given padded batches of 32 both in input order and sorted by length (its best case).
/// </summary>
internal static class EndToEndComparison
{
    public static int Run(string[] args)
    {
        var run = CorpusRun.Load(args);
        var (model, tokenized, repeats, tokens) = (run.Model, run.Sequences, run.Repeats, run.Tokens);
        Console.WriteLine($"model {run.ModelName}: {run.Texts.Count} texts from {run.Corpus}, {tokens} tokens " +
                          $"(mean {tokens / (double)run.Texts.Count:F1}, max {tokenized.Max(t => t.Ids.Length)}), {Environment.ProcessorCount} cores");

        using var backend = new HostBackend();
        using var embedder = new Embedder(model, backend);
        var ours = Timing.Median(repeats, () => embedder.EmbedAsync(tokenized).GetAwaiter().GetResult());

        using var session = new InferenceSession(BuiltInModels.ReadOnnx(run.ModelName));
        var ortInOrder = Timing.Median(repeats, () => OnnxRuntimeEmbed(session, tokenized, model, 32));
        var sorted = tokenized.OrderBy(t => t.Ids.Length).ToArray();
        var ortSorted = Timing.Median(repeats, () => OnnxRuntimeEmbed(session, sorted, model, 32));

        Console.WriteLine("| engine | seconds | tokens/s | vs ORT sorted |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row($"Bert.Gpu {backend.DeviceName}, packed batches ≤ {embedder.MaxBatchTokens} tokens", ours);
        Row("ONNX Runtime 1.31.1 CPU, batches of 32 in input order, padded", ortInOrder);
        Row("ONNX Runtime 1.31.1 CPU, batches of 32 sorted by length, padded", ortSorted);
        if (Array.IndexOf(args, "--no-shapes") < 0)
            FixedShapeTable.Print(model, session, repeats);
        return 0;

        void Row(string name, double seconds) =>
            Console.WriteLine($"| {name} | {seconds:F2} | {tokens / seconds:F0} | {ortSorted / seconds:F2}× |");
    }

    private static void OnnxRuntimeEmbed(InferenceSession session, IReadOnlyList<TokenizedText> sequences, BertModel model, int batchSize)
    {
        for (var start = 0; start < sequences.Count; start += batchSize)
            OnnxRuntimeBatch.Pooled(session, sequences.Skip(start).Take(batchSize).ToArray(), model.Config.HiddenSize, model.DefaultPooling);
    }
}
