using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>BERT encoders with seeded random weights and a fake vocabulary, by default two layers of hidden 32, 4 heads, intermediate 64.</summary>
internal static class TinyBert
{
    public static readonly BertConfig Config = new(VocabSize: 50, HiddenSize: 32, NumLayers: 2, NumHeads: 4,
        IntermediateSize: 64, MaxPositionEmbeddings: 64, TypeVocabSize: 2, LayerNormEps: 1e-12f);

    /// <summary>MiniLM-L6's shape (a smaller vocabulary: only the rows a test uses matter).</summary>
    public static readonly BertConfig MiniLmShape = new(VocabSize: 1000, HiddenSize: 384, NumLayers: 6, NumHeads: 12,
        IntermediateSize: 1536, MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12f);

    public static BertModel Create(int seed = 42, BertConfig? config = null)
    {
        var c = config ?? Config;
        var tensors = RandomWeights.Create(c, seed);
        string[] vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "cat", "dog", "sat", "on", "mat", "##s", "run", "##ning"];
        var tokenizer = BertTokenizer.FromVocab(vocab, BertNormalizerOptions.Uncased, "tiny test vocabulary");
        return new BertModel("random-bert", c, tensors, tokenizer, PoolingMode.Mean, maxLength: c.MaxPositionEmbeddings);
    }

    /// <summary>
    /// Sequences of the given lengths: [CLS] random ids below <paramref name="vocabSize"/> (default: the tiny model's) [SEP],
    /// the tail of every other one typed 1.
    /// </summary>
    public static TokenizedText[] Sequences(Random random, int[] lengths, int? vocabSize = null) =>
        lengths.Select((length, s) =>
        {
            var ids = Enumerable.Range(0, length).Select(i => i == 0 ? 2 : i == length - 1 ? 3 : random.Next(5, vocabSize ?? Config.VocabSize)).ToArray();
            var types = Enumerable.Range(0, length).Select(i => s % 2 == 1 && i > length / 2 ? 1 : 0).ToArray();
            return new TokenizedText(ids, types);
        }).ToArray();
}
