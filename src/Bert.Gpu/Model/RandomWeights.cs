namespace Bert.Gpu.Model;

/// <summary>
/// Seeded random tensors for a BERT encoder of any shape, with a trained model's scales (linear weights
/// ~U(±1/√in), LayerNorm γ near 1 and β near 0) so activations stay in range through every layer: for checking
/// kernels and timing devices at real shapes without a model file. The same seed gives the same tensors everywhere.
/// </summary>
public static class RandomWeights
{
    /// <summary>Every tensor <see cref="BertModel"/> needs for <paramref name="config"/>, under canonical names.</summary>
    public static Dictionary<string, FloatTensor> Create(BertConfig config, int seed)
    {
        var random = new Random(seed);
        var c = config;
        var tensors = new Dictionary<string, FloatTensor>();
        void Add(string name, float scale, params int[] shape) =>
            tensors[name] = new FloatTensor(Uniform(random, shape.Aggregate(1, (a, b) => a * b), scale), shape);
        void Norm(string prefix)
        {
            tensors[prefix + ".weight"] = new FloatTensor(Uniform(random, c.HiddenSize, 0.1f).Select(v => 1 + v).ToArray(), c.HiddenSize);
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
        return tensors;
    }

    /// <summary><paramref name="length"/> values uniform in [−scale, scale) drawn from <paramref name="random"/>.</summary>
    public static float[] Uniform(Random random, int length, float scale = 1f)
    {
        var v = new float[length];
        for (var i = 0; i < length; i++)
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return v;
    }
}
