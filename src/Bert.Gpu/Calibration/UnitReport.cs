namespace Bert.Gpu.Calibration;

/// <summary>What calibration measured and decided for one linear unit.</summary>
/// <param name="Unit">Its <see cref="Model.BertTensorNames.Unit"/> name.</param>
/// <param name="InputWidth">Its input width (the GEMM's K).</param>
/// <param name="InputAbsMax">The largest |x| its input reached over the calibration corpus (static activations; else null).</param>
/// <param name="Threshold">The static clipping threshold chosen (scale = threshold/127); null for dynamic activations.</param>
/// <param name="ClippedFraction">Fraction of calibration activations beyond the threshold.</param>
/// <param name="ActivationSqnrDb">Signal-to-quantization-noise ratio of the input at that threshold, from the histogram.</param>
/// <param name="WeightSqnrDb">Signal-to-quantization-noise ratio of its int8 weight.</param>
/// <param name="CosineDropAlone">1 − held-out mean cosine against fp32 when this unit alone is int8: its sensitivity.</param>
/// <param name="Int8">Whether the unit ends up int8.</param>
/// <param name="Why">Why it stayed fp32, if it did.</param>
public sealed record UnitReport(string Unit, int InputWidth, float? InputAbsMax, float? Threshold, double? ClippedFraction,
    double? ActivationSqnrDb, double WeightSqnrDb, double CosineDropAlone, bool Int8, string? Why);
