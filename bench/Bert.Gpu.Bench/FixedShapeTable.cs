using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Host.Fp32;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace Bert.Gpu.Bench;

/// <summary>
/// Fixed batch × length shapes (no padding on either side: every sequence has the same length), ours and ONNX
/// Runtime's tokens/s, GFLOP/s and the share of the FMA peak (<see cref="FmaPeak"/>). FLOPs of one sequence of L tokens:
/// layers × (2·L·(4·H² + 2·H·I) for the linears + 4·L²·H for the attention's two products); pooling and the
/// LayerNorms are not counted. For a CLS-pooled model (arctic-xs) ours runs less than that (the CLS-only last layer),
/// so its GFLOP/s would be overstated: the documented rows are MiniLM's (mean pooling).
/// </summary>
internal static class FixedShapeTable
{
    private static readonly (int Batch, int Length)[] Shapes = [(32, 128), (1, 128), (8, 512)];

    public static void Print(BertModel model, InferenceSession session, int repeats)
    {
        using var backend = new HostBackend();
        // Ours is held to the peak of the path it runs, ONNX Runtime to the best this CPU has (it picks its own ISA).
        var (peak, isa, gigaHertz) = FmaPeak.Measure(backend.Fp32Path);
        var (bestPeak, bestIsa, _) = FmaPeak.Measure(HostFp32Paths.Best());
        var c = model.Config;
        Console.WriteLine();
        Console.WriteLine($"fixed shapes, random ids; FMA peak {peak:F0} GFLOP/s = {Environment.ProcessorCount} cores × 2 FMA pipes × " +
                          $"{HostFp32Paths.Lanes(backend.Fp32Path)} lanes × 2 × {gigaHertz:F2} GHz (measured), {isa}" +
                          (bestIsa == isa ? "" : $"; ONNX Runtime's % is of the {bestIsa} peak, {bestPeak:F0} GFLOP/s"));
        Console.WriteLine("| batch × length | engine | ms / batch | tokens/s | GFLOP/s | % of peak |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        using var embedder = new Embedder(model, backend);
        foreach (var (batch, length) in Shapes)
        {
            if (length > c.MaxPositionEmbeddings)
                continue;
            var random = new Random(length);
            var sequences = Enumerable.Range(0, batch).Select(_ => new TokenizedText(
                Enumerable.Range(0, length).Select(i => i == 0 ? 101 : i == length - 1 ? 102 : random.Next(1000, c.VocabSize)).ToArray(),
                new int[length])).ToArray();
            var flops = batch * (double)c.NumLayers * (2.0 * length * (4.0 * c.HiddenSize * c.HiddenSize + 2.0 * c.HiddenSize * c.IntermediateSize)
                                                        + 4.0 * length * length * c.HiddenSize);
            // Enough calls per timing for ~0.3 s, so the single-sequence shape is not timer noise.
            var calls = Math.Max(1, (int)(0.3 / (flops / (peak * 1e9) / 0.5)));
            var ours = Timing.Median(repeats, () =>
            {
                for (var i = 0; i < calls; i++)
                    embedder.EmbedAsync(sequences).GetAwaiter().GetResult();
            }) / calls;
            var ort = Timing.Median(repeats, () =>
            {
                for (var i = 0; i < calls; i++)
                    OnnxRuntimeBatch.Pooled(session, sequences, c.HiddenSize, model.DefaultPooling);
            }) / calls;
            foreach (var (engine, seconds, held) in new[] { ($"Bert.Gpu {backend.DeviceName}", ours, peak), ("ONNX Runtime 1.31.1 CPU", ort, bestPeak) })
                Console.WriteLine($"| b{batch} × s{length} | {engine} | {seconds * 1e3:F1} | {batch * length / seconds:F0} | " +
                                  $"{flops / seconds / 1e9:F1} | {flops / seconds / 1e9 / held:P0} |");
        }
    }
}
