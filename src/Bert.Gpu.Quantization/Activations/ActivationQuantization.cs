using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bert.Gpu.Quantization.Files;

namespace Bert.Gpu.Quantization.Activations;

/// <summary>
/// The descriptor of one layer's activation quantization: its <see cref="Mode"/> and, when static, the scale. In a
/// <c>.qbert</c> file's metadata it is <c>{"mode": "static-per-tensor", "scale": 0.0123}</c> or
/// <c>{"mode": "dynamic-per-token"}</c>.
/// </summary>
public sealed record ActivationQuantization
{
    private const string StaticName = "static-per-tensor";
    private const string DynamicName = "dynamic-per-token";

    private ActivationQuantization(ActivationMode mode, float? staticScale)
    {
        Mode = mode;
        StaticScale = staticScale;
    }

    /// <summary>Per-tensor static or per-token dynamic.</summary>
    public ActivationMode Mode { get; }

    /// <summary>The fixed scale of <see cref="ActivationMode.StaticPerTensor"/>; null for dynamic.</summary>
    public float? StaticScale { get; }

    /// <summary>Per-token scales computed at run time (<see cref="ActivationQuantizer.QuantizePerToken"/>).</summary>
    public static ActivationQuantization DynamicPerToken { get; } = new(ActivationMode.DynamicPerToken, null);

    /// <summary>A fixed scale for the whole tensor.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not a positive finite number.</exception>
    public static ActivationQuantization Static(float scale)
    {
        if (!(scale > 0) || !float.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "A static activation scale must be positive and finite.");
        return new ActivationQuantization(ActivationMode.StaticPerTensor, scale);
    }

    /// <summary>The static scale for a calibrated clipping threshold: <c>Static(SymmetricInt8.Scale(threshold))</c>.</summary>
    public static ActivationQuantization StaticFromThreshold(float threshold) => Static(SymmetricInt8.Scale(threshold));

    /// <summary>The metadata form (the scale is written as the shortest decimal that reads back as the same float).</summary>
    public JsonObject ToJson() => Mode == ActivationMode.StaticPerTensor
        ? new JsonObject { ["mode"] = StaticName, ["scale"] = StaticScale!.Value }
        : new JsonObject { ["mode"] = DynamicName };

    /// <summary>Reads the metadata form back.</summary>
    /// <param name="json">The descriptor object.</param>
    /// <param name="file">The file it came from, for the error.</param>
    /// <param name="tensor">The layer it describes, for the error.</param>
    /// <exception cref="QbertFormatException">Not an object of a known mode, or a static scale that is not a positive finite float.</exception>
    public static ActivationQuantization FromJson(JsonElement json, string file, string? tensor)
    {
        QbertFormatException Bad(string what) =>
            new(file, tensor, $"the activation quantization {what}; expected {{\"mode\": \"{StaticName}\", \"scale\": S}} or {{\"mode\": \"{DynamicName}\"}}: quantize the model again");
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("mode", out var mode) || mode.ValueKind != JsonValueKind.String)
            throw Bad("is not an object with a string \"mode\"");
        switch (mode.GetString())
        {
            case DynamicName:
                return DynamicPerToken;
            case StaticName:
                if (!json.TryGetProperty("scale", out var scale) || scale.ValueKind != JsonValueKind.Number
                    || !scale.TryGetSingle(out var value) || !(value > 0) || !float.IsFinite(value))
                    throw Bad("has no positive finite \"scale\"");
                return Static(value);
            default:
                throw Bad($"has mode \"{mode.GetString()}\"");
        }
    }

    /// <inheritdoc />
    public override string ToString() => Mode == ActivationMode.StaticPerTensor
        ? $"{StaticName} (scale {StaticScale!.Value.ToString("R", CultureInfo.InvariantCulture)})"
        : DynamicName;
}
