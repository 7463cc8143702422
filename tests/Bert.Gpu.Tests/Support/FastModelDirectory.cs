using Bert.Gpu.Model;
using Bert.Gpu.Tests.Weights;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// A HuggingFace model folder that is cheap to run: bert-base-uncased's real vocabulary (so real text tokenizes as it
/// would for MiniLM) over a 2-layer, hidden-32 encoder with seeded random weights. For tests of long jobs, where the
/// mechanics (order, streaming, resuming) matter and MiniLM's cost would only make them slow.
/// </summary>
internal static class FastModelDirectory
{
    public static readonly BertConfig Config = new(VocabSize: 30522, HiddenSize: 32, NumLayers: 2, NumHeads: 4,
        IntermediateSize: 64, MaxPositionEmbeddings: 128, TypeVocabSize: 2, LayerNormEps: 1e-12f);

    /// <param name="directory">Where to write config.json, vocab.txt and model.safetensors.</param>
    /// <param name="seed">Seed of the random weights: another seed is another model of the same shape.</param>
    /// <param name="tweak">Changes a tensor's values (by canonical name) before they are written, to break the model on purpose.</param>
    public static void Write(string directory, int seed = 11, Action<string, float[]>? tweak = null)
    {
        var random = new Random(seed);
        TinyHuggingFaceModel.WriteConfig(Path.Combine(directory, "config.json"), Config);
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), BuiltInModels.ReadVocab("minilm"));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), TinyHuggingFaceModel.Shapes(Config)
            .Select(t =>
            {
                var values = Reference.RandomVector(random, t.Shape.Aggregate(1, (a, b) => a * b), 0.3f);
                tweak?.Invoke(t.Name, values);
                return SafetensorsWriter.F32(t.Name, values, t.Shape);
            })
            .ToList());
    }

    /// <summary>
    /// The model with finite weights but <paramref name="word"/>'s embedding row all 3e38: the embedding LayerNorm
    /// overflows on any text that holds the word, so its row comes out NaN.
    /// </summary>
    public static void WriteOverflowingOn(string directory, string word)
    {
        var token = Array.IndexOf(BuiltInModels.ReadVocab("minilm"), word);
        Write(directory, tweak: (tensor, values) =>
        {
            if (tensor == BertTensorNames.WordEmbeddings)
                values.AsSpan(token * Config.HiddenSize, Config.HiddenSize).Fill(3e38f);
        });
    }
}
