using Bert.Gpu.Backends;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Support;

/// <summary>Models with their linear units in int8, chosen by the test, for the encoder's int8 path on every backend.</summary>
internal static class QuantizedModels
{
    /// <summary>
    /// Every unit of every layer in int8 (per-channel weights through <see cref="Int8Matrix.Quantize"/>), static per
    /// tensor for even layers' Q/K/V and attention output and dynamic per token for the rest, so both modes run in one
    /// pass. The static scale 0.02 clips at ±2.54: the random models' post-LayerNorm inputs reach past it, so clipping runs too.
    /// </summary>
    public static BertModel AllUnits(BertModel model)
    {
        var units = new Dictionary<string, QuantizedLinear>();
        for (var layer = 0; layer < model.Config.NumLayers; layer++)
            foreach (var unit in Enum.GetValues<LinearUnit>())
            {
                var w = (Fp32Linear)model.Linear(layer, unit);
                var activations = layer % 2 == 0 && unit is LinearUnit.Qkv or LinearUnit.AttentionOutput
                    ? ActivationQuantization.Static(0.02f)
                    : ActivationQuantization.DynamicPerToken;
                units[BertTensorNames.Unit(layer, unit)] =
                    new QuantizedLinear(Int8Matrix.Quantize(w.Weight.Data, w.OutFeatures, w.InFeatures, BertTensorNames.Unit(layer, unit)), activations);
            }
        return model.WithQuantized(units);
    }
}
