using Bert.Gpu.Model;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Backends;

/// <summary>
/// An int8 linear layer: symmetric int8 weight codes with one scale per output channel (<see cref="Int8Matrix"/>), the
/// fp32 bias, and how its input is quantized (static per tensor with a calibrated scale, or dynamic per token).
/// </summary>
public sealed class Int8Linear : LinearLayer
{
    /// <summary>Wraps the weight and bias (not copied) after checking that the bias matches.</summary>
    public Int8Linear(Int8Matrix weight, FloatTensor bias, ActivationQuantization activations)
        : base(bias, weight.Rows, weight.Columns)
    {
        ArgumentNullException.ThrowIfNull(activations);
        Weight = weight;
        Activations = activations;
    }

    /// <summary>The weight codes <c>[out, in]</c> and their per-output-channel scales.</summary>
    public Int8Matrix Weight { get; }

    /// <summary>How the input is quantized.</summary>
    public ActivationQuantization Activations { get; }

    /// <inheritdoc />
    public override LinearFormat Format => LinearFormat.Int8;
}
