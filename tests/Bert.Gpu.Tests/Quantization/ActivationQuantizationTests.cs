using System.Text.Json;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Files;

namespace Bert.Gpu.Tests.Quantization;

public sealed class ActivationQuantizationTests
{
    [Fact]
    public void StaticScalesSurviveTheJsonFormBitForBit()
    {
        var random = new Random(31);
        for (var i = 0; i < 1000; i++)
        {
            var scale = BitConverter.Int32BitsToSingle(random.Next(0x00800000, 0x7F800000)); // any positive normal float
            var back = ActivationQuantization.FromJson(Parse(ActivationQuantization.Static(scale).ToJson().ToJsonString()), "f", "t");
            Assert.Equal(ActivationMode.StaticPerTensor, back.Mode);
            Assert.Equal(BitConverter.SingleToInt32Bits(scale), BitConverter.SingleToInt32Bits(back.StaticScale!.Value));
        }
        Assert.Same(ActivationQuantization.DynamicPerToken, ActivationQuantization.FromJson(Parse(ActivationQuantization.DynamicPerToken.ToJson().ToJsonString()), "f", "t"));
    }

    [Fact]
    public void TheJsonFormIsAsDocumented()
    {
        Assert.Equal("""{"mode":"static-per-tensor","scale":0.0625}""", ActivationQuantization.StaticFromThreshold(7.9375f).ToJson().ToJsonString());
        Assert.Equal("""{"mode":"dynamic-per-token"}""", ActivationQuantization.DynamicPerToken.ToJson().ToJsonString());
    }

    [Theory]
    [InlineData("""[1]""", "is not an object with a string \"mode\"")]
    [InlineData("""{"mode":3}""", "is not an object with a string \"mode\"")]
    [InlineData("""{"mode":"static"}""", "has mode \"static\"")]
    [InlineData("""{"mode":"static-per-tensor"}""", "has no positive finite \"scale\"")]
    [InlineData("""{"mode":"static-per-tensor","scale":"1"}""", "has no positive finite \"scale\"")]
    [InlineData("""{"mode":"static-per-tensor","scale":-1}""", "has no positive finite \"scale\"")]
    [InlineData("""{"mode":"static-per-tensor","scale":0}""", "has no positive finite \"scale\"")]
    [InlineData("""{"mode":"static-per-tensor","scale":1e60}""", "has no positive finite \"scale\"")]
    public void MalformedDescriptorsNameTheFileAndLayer(string json, string problem)
    {
        var e = Assert.Throws<QbertFormatException>(() => ActivationQuantization.FromJson(Parse(json), "m.qbert", "encoder.layer.2.attention.output.dense"));
        Assert.Equal("m.qbert", e.File);
        Assert.Equal("encoder.layer.2.attention.output.dense", e.Tensor);
        Assert.StartsWith($"m.qbert: tensor 'encoder.layer.2.attention.output.dense': the activation quantization {problem};", e.Message);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
