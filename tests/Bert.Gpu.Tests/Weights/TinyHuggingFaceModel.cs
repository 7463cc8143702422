using Bert.Gpu.Tests.Support;
using System.Text.Json;
using Bert.Gpu.Model;

namespace Bert.Gpu.Tests.Weights;

/// <summary>Writes a complete one-layer BERT as a HuggingFace directory (hidden 4, 2 heads), with hooks to break it.</summary>
internal static class TinyHuggingFaceModel
{
    public static readonly BertConfig Config = new(VocabSize: 10, HiddenSize: 4, NumLayers: 1, NumHeads: 2, IntermediateSize: 8,
        MaxPositionEmbeddings: 6, TypeVocabSize: 2, LayerNormEps: 1e-12f);

    /// <summary>Every tensor BertModel needs, with its canonical name and shape.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Shapes(BertConfig c) => BertModel.EncoderTensors(c);

    /// <summary>The tiny model's safetensors entries, all F32 with a <c>bert.</c> prefix, plus an I64 <c>position_ids</c> buffer.</summary>
    public static List<SafetensorsWriter.Entry> Entries() =>
    [
        .. Shapes(Config).Select(t => SafetensorsWriter.F32("bert." + t.Name,
            Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b)).Select(i => i / 8f).ToArray(), t.Shape)),
        new("bert.embeddings.position_ids", "I64", [1, 6], new byte[48]),
    ];

    /// <summary>Writes config.json, vocab.txt and model.safetensors (from <paramref name="entries"/>) into <paramref name="dir"/>.</summary>
    public static void Write(TempDirectory dir, IEnumerable<SafetensorsWriter.Entry>? entries = null, Dictionary<string, object?>? configOverrides = null)
    {
        WriteConfig(dir.File("config.json"), Config, configOverrides);
        File.WriteAllLines(dir.File("vocab.txt"), TinyVocab.Tokens(Config.VocabSize));
        SafetensorsWriter.Write(dir.File("model.safetensors"), entries ?? Entries());
    }

    /// <summary>Writes a HuggingFace config.json for <paramref name="c"/>; an override with a null value removes the key.</summary>
    public static void WriteConfig(string path, BertConfig c, Dictionary<string, object?>? overrides = null)
    {
        var json = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "BertModel" },
            ["model_type"] = "bert",
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["num_hidden_layers"] = c.NumLayers,
            ["num_attention_heads"] = c.NumHeads,
            ["intermediate_size"] = c.IntermediateSize,
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["type_vocab_size"] = c.TypeVocabSize,
            ["layer_norm_eps"] = c.LayerNormEps,
            ["hidden_act"] = c.HiddenAct,
        };
        foreach (var (key, value) in overrides ?? [])
        {
            if (value is null)
                json.Remove(key);
            else
                json[key] = value;
        }
        File.WriteAllText(path, JsonSerializer.Serialize(json));
    }
}
