using System.Text.Json.Nodes;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tests.Weights;

namespace Bert.Gpu.Fuzz.Seeds;

/// <summary>
/// Writes the seeds that are binary or derived from the unit tests' models: the tiny one-layer BERT as ONNX (both ways it
/// can tell its head count) and as safetensors (F32 with an I64 buffer; F16 and BF16), its config.json, and a small
/// <c>.qbert</c> with each dtype (F32, I8 with its scales, U8) and string and JSON metadata. The text
/// seeds (lines, JSONL, CSV, tokenizer files) are written by hand in the corpus folders.
/// </summary>
internal static class SeedWriter
{
    public static void Write(string root)
    {
        var onnx = Folder(root, "onnx");
        File.WriteAllBytes(Path.Combine(onnx, "tiny-bert-reshape-heads.onnx"), new TinyBertOnnx().Bytes);
        File.WriteAllBytes(Path.Combine(onnx, "tiny-bert-scale-heads.onnx"), new TinyBertOnnx(headsFromScale: true).Bytes);

        var safetensors = Folder(root, "safetensors");
        SafetensorsWriter.Write(Path.Combine(safetensors, "tiny-bert-f32.safetensors"), TinyHuggingFaceModel.Entries());
        SafetensorsWriter.Write(Path.Combine(safetensors, "mixed-dtypes.safetensors"),
        [
            SafetensorsWriter.F16("embeddings.LayerNorm.weight", [1f, 0.5f, -2f, 0.25f], 4),
            new("embeddings.LayerNorm.bias", "BF16", [2, 2], [0x80, 0x3F, 0x00, 0x40, 0x80, 0xBF, 0x00, 0x00]),
            new("embeddings.position_ids", "I64", [1, 2], new byte[16]),
            new("empty", "F32", [0, 3], []),
        ]);

        var qbert = new QbertWriter();
        qbert.SetMetadata("source_model", "tiny");
        qbert.SetMetadata("layers", new JsonObject { ["encoder.layer.0.output.dense"] = ActivationQuantization.Static(0.05f).ToJson() });
        qbert.AddFloat("embeddings.LayerNorm.weight", [1f, 0.5f, -2f, 0.25f], 4);
        qbert.AddInt8("encoder.layer.0.output.dense.weight", Int8Matrix.Quantize([0.5f, -1f, 0.25f, 0f, 2f, -0.125f], 2, 3, "seed"));
        qbert.AddBytes("vocab.txt", "[PAD]\n[UNK]\n"u8.ToArray());
        qbert.Write(Path.Combine(Folder(root, "qbert"), "tiny.qbert"));

        var config = Folder(root, "config");
        TinyHuggingFaceModel.WriteConfig(Path.Combine(config, "tiny-bert.json"), TinyHuggingFaceModel.Config);
    }

    private static string Folder(string root, string target)
    {
        var path = Path.Combine(root, target);
        Directory.CreateDirectory(path);
        return path;
    }
}
