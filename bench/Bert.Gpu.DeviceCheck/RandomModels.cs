using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Seeded random inputs: BERT encoders whose weights have a trained model's scales (so activations stay in range
/// through every layer), token batches and plain vectors. The test project's TinyBert does the same, but it is
/// internal to the tests.
/// </summary>
internal static class RandomModels
{
    public static BertModel Create(ModelShape shape)
    {
        var random = new Random(shape.Seed);
        var c = shape.Config;
        var tensors = new Dictionary<string, FloatTensor>();
        void Add(string name, float scale, params int[] dims) =>
            tensors[name] = new FloatTensor(Vector(random, dims.Aggregate(1, (a, b) => a * b), scale), dims);
        void Norm(string prefix)
        {
            // γ near 1 and β near 0, as in a trained model.
            tensors[prefix + ".weight"] = new FloatTensor(Vector(random, c.HiddenSize, 0.1f).Select(v => 1 + v).ToArray(), c.HiddenSize);
            Add(prefix + ".bias", 0.1f, c.HiddenSize);
        }
        void Linear(string prefix, int outFeatures, int inFeatures)
        {
            Add(prefix + ".weight", 1 / MathF.Sqrt(inFeatures), outFeatures, inFeatures);
            Add(prefix + ".bias", 0.1f, outFeatures);
        }

        Add(BertTensorNames.WordEmbeddings, 1f, c.VocabSize, c.HiddenSize);
        Add(BertTensorNames.PositionEmbeddings, 0.5f, c.MaxPositionEmbeddings, c.HiddenSize);
        Add(BertTensorNames.TokenTypeEmbeddings, 0.5f, c.TypeVocabSize, c.HiddenSize);
        Norm("embeddings.LayerNorm");
        for (var layer = 0; layer < c.NumLayers; layer++)
        {
            var p = BertTensorNames.Layer(layer);
            foreach (var part in new[] { BertTensorNames.LayerPart.Query, BertTensorNames.LayerPart.Key, BertTensorNames.LayerPart.Value, BertTensorNames.LayerPart.AttentionOutput })
                Linear(p + part, c.HiddenSize, c.HiddenSize);
            Norm(p + BertTensorNames.LayerPart.AttentionLayerNorm);
            Linear(p + BertTensorNames.LayerPart.Intermediate, c.IntermediateSize, c.HiddenSize);
            Linear(p + BertTensorNames.LayerPart.Output, c.HiddenSize, c.IntermediateSize);
            Norm(p + BertTensorNames.LayerPart.OutputLayerNorm);
        }

        // The encoder never tokenizes here; BertModel only needs a vocabulary no larger than the embedding table.
        string[] vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        var tokenizer = BertTokenizer.FromVocab(vocab, BertNormalizerOptions.Uncased, "device-check vocabulary");
        return new BertModel(shape.Label, c, tensors, tokenizer, PoolingMode.Mean, maxLength: c.MaxPositionEmbeddings);
    }

    /// <summary>[CLS] random ids [SEP] of the given lengths; every other sequence has a second segment (type 1).</summary>
    public static TokenizedText[] Sequences(Random random, int[] lengths, int vocabSize) =>
        lengths.Select((length, s) =>
        {
            var ids = Enumerable.Range(0, length).Select(i => i == 0 ? 2 : i == length - 1 ? 3 : random.Next(5, vocabSize)).ToArray();
            var types = Enumerable.Range(0, length).Select(i => s % 2 == 1 && i > length / 2 ? 1 : 0).ToArray();
            return new TokenizedText(ids, types);
        }).ToArray();

    /// <summary>Uniform values in [−scale, scale).</summary>
    public static float[] Vector(Random random, int length, float scale = 1f)
    {
        var v = new float[length];
        for (var i = 0; i < length; i++)
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return v;
    }
}
