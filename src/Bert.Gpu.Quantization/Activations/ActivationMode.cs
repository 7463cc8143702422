namespace Bert.Gpu.Quantization.Activations;

/// <summary>How a linear layer's input is turned into int8.</summary>
public enum ActivationMode
{
    /// <summary>One scale for the whole tensor, fixed at calibration (<c>scale = T / 127</c> from an observer's threshold T).</summary>
    StaticPerTensor,

    /// <summary>One scale per token (row), computed at run time from that row: <c>scale = max|x_row| / 127</c>.</summary>
    DynamicPerToken,
}
