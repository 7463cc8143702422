using Bert.Gpu.Backends.Host;
using Bert.Gpu.Calibration;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using Microsoft.ML.OnnxRuntime;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>int8 --qbert FILE --ort-int8 FILE.onnx</c>: in one run on one machine, tokens/s of our fp32 and int8 host
/// encoders, ONNX Runtime fp32 (the built-in model.onnx) and ONNX Runtime dynamic int8 (the graph
/// bench/onnx/dynamic_int8.py writes), each quantized model's embeddings held to its own fp32 on the same texts (mean,
/// min, p1 cosine and top-10 neighbour overlap). The texts are the first <c>--texts</c> fortunes; calibrate on others
/// (bench/int8/compare.sh writes a corpus that skips them).
/// </summary>
internal static class Int8Comparison
{
    public static int Run(string[] args)
    {
        var run = CorpusRun.Load(args);
        var qbert = Args.Get(args, "--qbert") ?? throw new ArgumentException("int8: name the calibrated model, --qbert FILE.qbert");
        var ortInt8 = Args.Get(args, "--ort-int8") ?? throw new ArgumentException("int8: name the ORT dynamic int8 graph, --ort-int8 FILE.onnx");
        var int8Model = ModelLoader.Load(qbert);
        if (int8Model.Config != run.Model.Config)
            throw new ArgumentException($"{qbert} is not a quantization of {run.ModelName} (its config differs).");
        var tokens = run.Tokens;
        Console.WriteLine($"model {run.ModelName}: {run.Texts.Count} texts from {run.Corpus}, {tokens} tokens " +
                          $"(mean {tokens / (double)run.Texts.Count:F1}, max {run.Sequences.Max(t => t.Ids.Length)}), {Environment.ProcessorCount} cores; " +
                          $"int8: {qbert} ({int8Model.Quantized.Count} of {run.Model.Config.NumLayers * 4} units int8)");

        using var backend = new HostBackend();
        var (oursFp32, oursFp32Rows) = Ours(run.Model, backend, run);
        var (oursInt8, oursInt8Rows) = Ours(int8Model, backend, run);
        var sorted = Enumerable.Range(0, run.Sequences.Length).OrderBy(i => run.Sequences[i].Ids.Length).ToArray();
        var (ortFp32, ortFp32Rows) = Ort(BuiltInModels.ReadOnnx(run.ModelName), run, sorted);
        var (ortInt8Seconds, ortInt8Rows) = Ort(File.ReadAllBytes(ortInt8), run, sorted);

        var width = run.Model.Config.HiddenSize;
        Console.WriteLine("| engine | seconds | tokens/s | vs our fp32 | vs ORT dynamic int8 | mean cos | min cos | p1 cos | top-10 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Row($"Bert.Gpu fp32, {backend.DeviceName}", oursFp32, null);
        Row($"Bert.Gpu int8 ({int8Model.Quantized.Count} units), {backend.DeviceName}", oursInt8, EmbeddingQuality.Of(oursFp32Rows, oursInt8Rows, width));
        Row("ONNX Runtime 1.31.1 fp32, batches of 32 sorted by length", ortFp32, null);
        Row("ONNX Runtime 1.31.1 dynamic int8 (per-channel DynamicQuantizeMatMul), same batches", ortInt8Seconds,
            EmbeddingQuality.Of(ortFp32Rows, ortInt8Rows, width));
        Console.WriteLine($"fp32 against fp32 across engines (the engines agree): {EmbeddingQuality.Of(ortFp32Rows, oursFp32Rows, width)}");
        return 0;

        void Row(string name, double seconds, EmbeddingQuality? q) => Console.WriteLine(
            $"| {name} | {seconds:F2} | {tokens / seconds:F0} | {oursFp32 / seconds:F2}× | {ortInt8Seconds / seconds:F2}× | " +
            (q is null ? "| | | |" : $"{q.MeanCosine:F5} | {q.MinCosine:F4} | {q.P1Cosine:F4} | {q.TopTenOverlap:F3} |"));
    }

    private static (double Seconds, float[] Rows) Ours(BertModel model, HostBackend backend, CorpusRun run)
    {
        using var embedder = new Embedder(model, backend);
        float[] rows = [];
        var seconds = Timing.Median(run.Repeats, () => rows = embedder.EmbedAsync(run.Sequences).GetAwaiter().GetResult());
        return (seconds, rows);
    }

    /// <summary>Batches of 32 in length order (ORT's best case), pooled as the model pools and L2-normalized, rows in input order.</summary>
    private static (double Seconds, float[] Rows) Ort(byte[] onnx, CorpusRun run, int[] order)
    {
        using var session = new InferenceSession(onnx);
        var width = run.Model.Config.HiddenSize;
        var rows = new float[run.Sequences.Length * width];
        var seconds = Timing.Median(run.Repeats, () =>
        {
            for (var start = 0; start < order.Length; start += 32)
            {
                var batch = order.Skip(start).Take(32).ToArray();
                var pooled = OnnxRuntimeBatch.Pooled(session, batch.Select(i => run.Sequences[i]).ToArray(), width, run.Model.DefaultPooling);
                for (var b = 0; b < batch.Length; b++)
                    pooled.AsSpan(b * width, width).CopyTo(rows.AsSpan(batch[b] * width, width));
            }
        });
        return (seconds, rows);
    }
}
