using Bert.Gpu.Model;
using Bert.Gpu.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bert.Gpu.Tests.Weights;

public sealed class OnnxImportTests : IDisposable
{
    private const string L = "encoder.layer.0.";
    private readonly TempDirectory _dir = new();
    private readonly TinyBertOnnx _tiny = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ConfigIsDerivedFromTheGraph()
    {
        var model = ModelLoader.Load(_tiny.WriteTo(_dir));
        Assert.Equal(new BertConfig(TinyBertOnnx.Vocab, TinyBertOnnx.Hidden, 1, 2, TinyBertOnnx.Intermediate,
            TinyBertOnnx.Positions, TinyBertOnnx.Types, TinyBertOnnx.Epsilon, "gelu"), model.Config);
        Assert.Equal(PoolingMode.Mean, model.DefaultPooling);
        Assert.Equal(TinyBertOnnx.Positions, model.MaxLength);
    }

    [Fact]
    public void HeadsFallBackToTheScoreScaling()
    {
        var model = ModelLoader.Load(new TinyBertOnnx(headsFromScale: true).WriteTo(_dir));
        Assert.Equal(2, model.Config.NumHeads);
    }

    [Fact]
    public void MatMulWeightsAreNamedAfterTheirBiasAndTransposedToOutByIn()
    {
        var model = ModelLoader.Load(_tiny.WriteTo(_dir));
        const int h = TinyBertOnnx.Hidden, i = TinyBertOnnx.Intermediate;
        Assert.Equal(TinyBertOnnx.Transpose(_tiny.QueryInOut, h, h), model[L + "attention.self.query.weight"].Data);
        Assert.Equal(_tiny.KeyOutIn, model[L + "attention.self.key.weight"].Data);
        Assert.Equal(TinyBertOnnx.Transpose(_tiny.ValueInOut, h, h), model[L + "attention.self.value.weight"].Data);
        Assert.True(model[L + "intermediate.dense.weight"].HasShape(i, h));
        Assert.Equal(TinyBertOnnx.Transpose(_tiny.IntermediateInOut, h, i), model[L + "intermediate.dense.weight"].Data);
    }

    [Fact]
    public void PrefixesAreStrippedAndEveryEncodingIsWidened()
    {
        var model = ModelLoader.Load(_tiny.WriteTo(_dir));
        Assert.Equal(_tiny.WordEmbeddings, model[BertTensorNames.WordEmbeddings].Data); // FLOAT16 raw_data
        Assert.Equal(_tiny.TokenTypeEmbeddings, model[BertTensorNames.TokenTypeEmbeddings].Data); // float_data
        foreach (var (name, values) in _tiny.Biases)
            Assert.Equal(values, model[name].Data);
        Assert.DoesNotContain(model.Tensors.Keys, k => k.StartsWith("bert.", StringComparison.Ordinal) || k.StartsWith("onnx::", StringComparison.Ordinal));
        Assert.False(model.Tensors.ContainsKey("embeddings.position_ids")); // INT64 bookkeeping is not a weight
    }

    [Fact]
    public void ImportedWeightsReproduceOnnxRuntimeProjections()
    {
        // ORT computes x·W + b from the stored [in, out] bytes; the imported [out, in] weights must give the same.
        var model = ModelLoader.Load(_tiny.WriteTo(_dir));
        var x = Enumerable.Range(0, 3 * TinyBertOnnx.Hidden).Select(k => MathF.Sin(k + 1)).ToArray();
        using var session = new InferenceSession(_tiny.Bytes);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [1, 3, TinyBertOnnx.Hidden]))]);
        foreach (var (output, part) in new[] { ("q", "attention.self.query"), ("k", "attention.self.key"), ("v", "attention.self.value") })
        {
            var expected = results.First(r => r.Name == output).AsTensor<float>().ToArray();
            var w = model[L + part + ".weight"].Data;
            var b = model[L + part + ".bias"].Data;
            const int h = TinyBertOnnx.Hidden;
            for (var t = 0; t < 3; t++)
                for (var o = 0; o < h; o++)
                {
                    var sum = b[o];
                    for (var k = 0; k < h; k++)
                        sum += w[o * h + k] * x[t * h + k];
                    Assert.Equal(expected[t * h + o], sum, 4);
                }
        }
    }
}
