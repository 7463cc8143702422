using Bert.Gpu.Model;
using Bert.Gpu.Weights;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Weights;

[Collection(BuiltInModelsCollection.Name)]
public sealed class BuiltInModelTests(BuiltInModelsFixture models, ITestOutputHelper output)
{
    // Both graphs (inspected node by node) are 6-layer MiniLM-L6 encoders: Reshape targets Concat(B, S, [12], [32]),
    // scores divided by 5.6568 = sqrt(32), decomposed LayerNorms adding 9.99999996e-13, GELU as x/1.4142 → Erf.
    [Theory]
    [InlineData("minilm", PoolingMode.Mean, 256)]
    [InlineData("arctic-xs", PoolingMode.Cls, 512)]
    public void ImportDerivesTheMiniLmL6Configuration(string name, PoolingMode pooling, int maxLength)
    {
        var model = models[name];
        Assert.Equal(new BertConfig(VocabSize: 30522, HiddenSize: 384, NumLayers: 6, NumHeads: 12, IntermediateSize: 1536,
            MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12f, HiddenAct: "gelu"), model.Config);
        Assert.Equal(name, model.Name);
        Assert.Equal(pooling, model.DefaultPooling);
        Assert.Equal(maxLength, model.MaxLength);
        Assert.Equal(30522, model.Tokenizer.VocabSize);
        output.WriteLine($"minilm loaded in {models.MiniLmLoadTime.TotalMilliseconds:F0} ms, arctic-xs in {models.ArcticXsLoadTime.TotalMilliseconds:F0} ms");
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public void EveryLinearWeightIsImportedAsOutByIn(string name)
    {
        var model = models[name];
        for (var layer = 0; layer < 6; layer++)
        {
            var p = BertTensorNames.Layer(layer);
            Assert.True(model[p + "intermediate.dense.weight"].HasShape(1536, 384));
            Assert.True(model[p + "output.dense.weight"].HasShape(384, 1536));
        }
    }

    [Fact]
    public void MiniLmKeepsItsPooler()
    {
        // The pooler is read by Gemm(transB = 1), so its named weight is already [out, in].
        Assert.True(models.MiniLm["pooler.dense.weight"].HasShape(384, 384));
        Assert.False(models.ArcticXs.Tensors.ContainsKey("pooler.dense.weight"));
    }

    [Fact]
    public void TheTwoModelsHaveDifferentWeights()
    {
        var q = BertTensorNames.Layer(0) + BertTensorNames.LayerPart.Query + ".weight";
        Assert.NotEqual(models.MiniLm[q].Data, models.ArcticXs[q].Data);
    }

    [Fact]
    public void VocabularyHasOneTokenPerLine()
    {
        var vocab = BuiltInModels.ReadVocab("minilm");
        Assert.Equal(30522, vocab.Length);
        Assert.Equal("[PAD]", vocab[0]);
        Assert.Equal("[CLS]", vocab[101]);
        Assert.Equal("[SEP]", vocab[102]);
    }

    [Fact]
    public void NamesAreListedWithDescriptions()
    {
        Assert.Equal(["minilm", "arctic-xs"], BuiltInModels.Names);
        Assert.All(BuiltInModels.All, m => Assert.False(string.IsNullOrWhiteSpace(m.Description)));
        Assert.Same(BuiltInModels.Get("MiniLM"), BuiltInModels.Get("minilm"));
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public void RawOnnxBytesOpenInOnnxRuntime(string name)
    {
        using var session = new InferenceSession(BuiltInModels.ReadOnnx(name));
        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], session.InputMetadata.Keys.Order());
        Assert.Equal(new[] { -1, -1, 384 }, session.OutputMetadata["last_hidden_state"].Dimensions);
    }
}
