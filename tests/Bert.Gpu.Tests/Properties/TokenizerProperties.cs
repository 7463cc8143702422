using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using CsCheck;

namespace Bert.Gpu.Tests.Properties;

/// <summary>
/// The tokenizer on any string (lone surrogates included) with minilm's vocabulary: it never throws, every id is in
/// the vocabulary, the encoding is framed by [CLS] and [SEP], and truncation only cuts: a single text's encoding at
/// max length n is the untruncated one's first n - 1 ids then [SEP], and a pair stays within n, each side a prefix of
/// its own tokens.
/// </summary>
public sealed class TokenizerProperties
{
    // 500 texts (or pairs) of up to 24 pieces each: under a second for the three properties on 2 cores.
    private const int Iterations = 500;

    private static readonly Lazy<BertTokenizer> MiniLm = new(() =>
        BertTokenizer.FromVocab(BuiltInModels.ReadVocab("minilm"), BertNormalizerOptions.Uncased, "minilm"));

    [Fact]
    public void AnyString_EncodesToVocabularyIdsFramedByClsAndSep()
    {
        var tokenizer = MiniLm.Value;
        Gen.Select(TextGen.AnyString(), Gen.Int[2, 300]).Sample((text, maxLength) =>
        {
            var encoded = tokenizer.Encode(text, maxLength);
            Assert.InRange(encoded.Ids.Length, 2, maxLength);
            Assert.Equal(tokenizer.ClsId, encoded.Ids[0]);
            Assert.Equal(tokenizer.SepId, encoded.Ids[^1]);
            Assert.All(encoded.Ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
            Assert.Equal(new int[encoded.Ids.Length], encoded.TypeIds);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Truncation_KeepsAPrefixOfTheFullEncoding()
    {
        var tokenizer = MiniLm.Value;
        // Short limits, so that most texts are cut.
        Gen.Select(TextGen.AnyString(), Gen.Int[2, 40]).Sample((text, maxLength) =>
        {
            var full = tokenizer.Encode(text, int.MaxValue).Ids;
            var cut = tokenizer.Encode(text, maxLength).Ids;
            Assert.Equal(Math.Min(full.Length, maxLength), cut.Length);
            Assert.Equal(full[..(cut.Length - 1)], cut[..^1]);
            Assert.Equal(tokenizer.SepId, cut[^1]);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void PairTruncation_StaysWithinMaxLengthAndCutsOnlyTheEnds()
    {
        var tokenizer = MiniLm.Value;
        Gen.Select(TextGen.AnyString(), TextGen.AnyString(), Gen.Int[3, 60]).Sample((first, second, maxLength) =>
        {
            var pair = tokenizer.Encode(first, second, maxLength);
            var fullFirst = tokenizer.Encode(first, int.MaxValue).Ids[1..^1];
            var fullSecond = tokenizer.Encode(second, int.MaxValue).Ids[1..^1];
            Assert.InRange(pair.Ids.Length, 3, maxLength);
            // [CLS] a [SEP] (type 0) then b [SEP] (type 1).
            var split = Array.IndexOf(pair.TypeIds, 1);
            Assert.True(split >= 2 && pair.TypeIds[..split].All(t => t == 0) && pair.TypeIds[split..].All(t => t == 1));
            Assert.Equal(tokenizer.ClsId, pair.Ids[0]);
            Assert.Equal(tokenizer.SepId, pair.Ids[split - 1]);
            Assert.Equal(tokenizer.SepId, pair.Ids[^1]);
            var a = pair.Ids[1..(split - 1)];
            var b = pair.Ids[split..^1];
            Assert.Equal(fullFirst[..a.Length], a);
            Assert.Equal(fullSecond[..b.Length], b);
            if (fullFirst.Length + fullSecond.Length + 3 <= maxLength)
                Assert.Equal((fullFirst.Length, fullSecond.Length), (a.Length, b.Length));
            else
                Assert.Equal(maxLength, pair.Ids.Length);
        }, iter: Iterations, threads: 1);
    }
}
