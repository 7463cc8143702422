using System.Text.Json;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Heads;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Families;

/// <summary>
/// Real checkpoints a user has (no hub here, and no package carries these families' weights): every HuggingFace folder
/// under <c>BERT_GPU_CHECKPOINTS</c> (e.g. roberta-base, distilbert-base-uncased, albert-base-v2, a cross-encoder) is
/// loaded, run on held-out fortunes and, where the folder carries its ONNX export (<c>onnx/model.onnx</c> or
/// <c>model.onnx</c>, as hub repositories often do), held to ONNX Runtime on it (last hidden state ≤ 1e-4). Without
/// the variable the test is skipped, saying how to run it.
/// </summary>
public class RealCheckpointTests(ITestOutputHelper output)
{
    public const string Variable = "BERT_GPU_CHECKPOINTS";

    [SkippableFact]
    public void EveryLocalCheckpointLoadsRunsAndMatchesItsOnnxExport()
    {
        var root = Environment.GetEnvironmentVariable(Variable);
        Skip.If(string.IsNullOrEmpty(root), $"set {Variable} to a folder of HuggingFace checkpoint folders to run real weights");
        var folders = Directory.GetDirectories(root!).Where(d => File.Exists(Path.Combine(d, "config.json"))).ToList();
        Assert.True(folders.Count > 0, $"{Variable}={root} holds no folder with a config.json.");
        var texts = File.ReadLines(RepoPaths.Data("tokenizer", "fortunes-heldout.jsonl")).Take(20).Select(l => JsonSerializer.Deserialize<string>(l)!).ToList();
        foreach (var folder in folders)
        {
            var model = HuggingFaceModelLoader.Load(folder);
            var sequences = texts.Select(t => model.Tokenizer.Encode(t, Math.Min(128, model.MaxLength))).ToList();
            var batch = new PackedBatch(sequences);
            using var host = new HostBackend();
            var hidden = FamilyOracleTests.LastHiddenState(model, host, batch);
            Assert.All(hidden, v => Assert.True(float.IsFinite(v), $"{folder}: a non-finite hidden state"));
            var onnx = new[] { Path.Combine(folder, "onnx", "model.onnx"), Path.Combine(folder, "model.onnx") }.FirstOrDefault(File.Exists);
            if (onnx is not null)
            {
                using var oracle = new OnnxRuntimeOracle(File.ReadAllBytes(onnx), model.Config.HiddenSize);
                var difference = Reference.MaxAbsDiff(oracle.LastHiddenState([.. sequences.Select(s => s.Ids)], [.. sequences.Select(s => s.TypeIds)]), hidden);
                output.WriteLine($"{Path.GetFileName(folder)} ({model.Config.Family}) vs ONNX Runtime on {Path.GetFileName(onnx)}: max |Δ| = {difference:g3}");
                Assert.True(difference <= 1e-4f, $"{folder}: max |Δ| = {difference} against its ONNX export");
            }
            if (model.Heads.Kind is HeadKind.SequenceClassification)
            {
                var head = model.Head();
                var logits = new float[batch.Sequences * head.Width];
                using var encoder = new BertEncoder(model, host);
                encoder.Predict(batch, head, logits);
                Assert.All(logits, v => Assert.True(float.IsFinite(v), $"{folder}: a non-finite logit"));
                output.WriteLine($"{Path.GetFileName(folder)}: {head.Architecture}, labels {string.Join(",", head.Labels)}");
            }
        }
    }
}
