using Bert.Gpu.Model;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Calibration;

/// <summary>A whole quantized model in one .qbert file: everything that decides its embeddings comes back, and damage is named.</summary>
public sealed class QbertModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-qbert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>The fast test model with layer 0's Q/K/V (static) and layer 1's FFN down (dynamic) in int8.</summary>
    private BertModel Quantized()
    {
        var folder = Directory.CreateDirectory(PathOf("model")).FullName;
        FastModelDirectory.Write(folder);
        var fp32 = ModelLoader.Load(folder);
        QuantizedLinear Int8(int layer, LinearUnit unit, ActivationQuantization activations)
        {
            var w = (Backends.Fp32Linear)fp32.Linear(layer, unit);
            return new QuantizedLinear(Int8Matrix.Quantize(w.Weight.Data, w.OutFeatures, w.InFeatures, "w"), activations);
        }
        return fp32.WithQuantized(new Dictionary<string, QuantizedLinear>
        {
            [BertTensorNames.Unit(0, LinearUnit.Qkv)] = Int8(0, LinearUnit.Qkv, ActivationQuantization.Static(0.0123f)),
            [BertTensorNames.Unit(1, LinearUnit.Output)] = Int8(1, LinearUnit.Output, ActivationQuantization.DynamicPerToken),
        });
    }

    [Fact]
    public void ARoundTripGivesTheSameModel()
    {
        var model = Quantized();
        var path = PathOf("m.qbert");
        QbertModel.Save(model, path, "fast", "abc123", new System.Text.Json.Nodes.JsonObject { ["method"] = "test" });

        var loaded = ModelLoader.Load(path);

        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(model.DefaultPooling, loaded.DefaultPooling);
        Assert.Equal(model.MaxLength, loaded.MaxLength);
        Assert.Equal(model.Quantized.Keys.Order(), loaded.Quantized.Keys.Order());
        foreach (var (unit, q) in model.Quantized)
        {
            Assert.Equal(q.Weight.Values, loaded.Quantized[unit].Weight.Values);
            Assert.Equal(q.Weight.Scales, loaded.Quantized[unit].Weight.Scales);
            Assert.Equal(q.Activations, loaded.Quantized[unit].Activations);
        }
        // The int8 units' fp32 weights are not in the file; everything else is, bit for bit.
        Assert.DoesNotContain("encoder.layer.0.attention.self.query.weight", loaded.Tensors.Keys);
        foreach (var (name, tensor) in loaded.Tensors)
            Assert.Equal(model[name].Data, tensor.Data);
        foreach (var text in new[] { "A quantized model's tokenizer is the same tokenizer.", "[MASK] ünïcödé 日本語 🙂", "" })
            Assert.Equal(model.Tokenizer.Encode(text, 64).Ids, loaded.Tokenizer.Encode(text, 64).Ids);
        Assert.Equal(("fast", "abc123"), QbertModel.SourceOf(path));
        Assert.Equal("test", QbertModel.QuantizationOf(path).GetProperty("method").GetString());
    }

    [Fact]
    public void TheContentHashSeesTheQuantization()
    {
        var model = Quantized();
        var fp32 = model.WithQuantized(new Dictionary<string, QuantizedLinear>());
        var otherScale = model.WithQuantized(model.Quantized.ToDictionary(kv => kv.Key,
            kv => kv.Value with { Activations = kv.Value.Activations.Mode == ActivationMode.DynamicPerToken ? ActivationQuantization.Static(1) : ActivationQuantization.DynamicPerToken }));
        Assert.NotEqual(fp32.ContentHash, model.ContentHash);
        Assert.NotEqual(otherScale.ContentHash, model.ContentHash);
    }

    [Fact]
    public void ADamagedFileNamesTheTensor()
    {
        var path = PathOf("m.qbert");
        QbertModel.Save(Quantized(), path, "fast", "abc123", []);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x40; // inside the last tensor's data
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<QbertFormatException>(() => ModelLoader.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("tensor '", error.Message);
    }

    [Fact]
    public void AQbertOfAnotherToolIsAModelError()
    {
        var path = PathOf("other.qbert");
        var writer = new QbertWriter();
        writer.AddFloat("x", [1f, 2f], 2);
        writer.Write(path);
        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(path));
        Assert.Contains("no \"bert_gpu\" object", error.Message);
    }
}
