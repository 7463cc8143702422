using Bert.Gpu.Model;

namespace Bert.Gpu.Calibration;

/// <summary>The quantized model and what was measured on the held-out texts.</summary>
/// <param name="Model">The model: the int8 units, the rest shared with the fp32 model.</param>
/// <param name="Quality">Its embeddings against fp32 on the held-out texts.</param>
/// <param name="AllInt8Quality">The same with every unit int8 (before any was kept fp32 for the target).</param>
/// <param name="Units">Per unit: ranges, thresholds, sensitivity, decision; in encoder order.</param>
/// <param name="Fp32TokensPerSecond">The fp32 model on the held-out texts, on the calibration backend.</param>
/// <param name="Int8TokensPerSecond">The quantized model on the same texts and backend.</param>
/// <param name="HeldOutTexts">How many held-out texts the numbers come from.</param>
public sealed record CalibrationResult(BertModel Model, EmbeddingQuality Quality, EmbeddingQuality AllInt8Quality,
    IReadOnlyList<UnitReport> Units, double Fp32TokensPerSecond, double Int8TokensPerSecond, int HeldOutTexts);
