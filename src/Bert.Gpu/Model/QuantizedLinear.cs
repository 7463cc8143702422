using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Model;

/// <summary>A linear unit of a model stored in int8: its weight codes and per-output-channel scales, and how its input is quantized.</summary>
/// <param name="Weight">The codes <c>[out, in]</c> (for <see cref="LinearUnit.Qkv"/>, Q, K and V stacked) and scales.</param>
/// <param name="Activations">Static per tensor (a calibrated scale) or dynamic per token.</param>
public sealed record QuantizedLinear(Int8Matrix Weight, ActivationQuantization Activations);
