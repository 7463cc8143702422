using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.DeviceCheck;

/// <summary>
/// Seeded random inputs: BERT encoders with <see cref="RandomWeights"/> (a trained model's scales), token batches and
/// plain vectors.
/// </summary>
internal static class RandomModels
{
    public static BertModel Create(ModelShape shape)
    {
        var c = shape.Config;
        var tensors = RandomWeights.Create(c, shape.Seed);
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
    public static float[] Vector(Random random, int length, float scale = 1f) => RandomWeights.Uniform(random, length, scale);
}
