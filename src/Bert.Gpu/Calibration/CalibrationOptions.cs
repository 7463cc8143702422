using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Calibration;

namespace Bert.Gpu.Calibration;

/// <summary>How <see cref="Calibrator"/> quantizes a model.</summary>
public sealed record CalibrationOptions
{
    /// <summary>How each unit's static activation threshold is picked from its |x| histogram (static activations only).</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Percentile(99.99);

    /// <summary>Static per-tensor scales (calibrated) or dynamic per-token scales (computed as the model runs).</summary>
    public ActivationMode Activations { get; init; } = ActivationMode.DynamicPerToken;

    /// <summary>Units (by <see cref="Model.BertTensorNames.Unit"/> name) to keep in fp32 whatever the measurements say.</summary>
    public IReadOnlyList<string> KeepFp32 { get; init; } = [];

    /// <summary>
    /// With a target, the most sensitive units (largest embedding-cosine drop when quantized alone) stay fp32, one at a
    /// time, until the held-out mean cosine against fp32 reaches it; null: every unit not in <see cref="KeepFp32"/> is int8.
    /// </summary>
    public double? TargetMeanCosine { get; init; }
}
