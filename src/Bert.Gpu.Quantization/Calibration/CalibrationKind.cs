namespace Bert.Gpu.Quantization.Calibration;

/// <summary>The ways a static activation threshold is chosen from an <see cref="Observers.AbsHistogram"/>.</summary>
public enum CalibrationKind
{
    /// <summary>max |x|: nothing is clipped.</summary>
    MinMax,

    /// <summary>A percentile of |x| (<see cref="PercentileThreshold"/>).</summary>
    Percentile,

    /// <summary>Least KL divergence, TensorRT's method (<see cref="EntropyThreshold"/>).</summary>
    Entropy,

    /// <summary>Least squared quantization and clipping error (<see cref="MseThreshold"/>).</summary>
    Mse,
}
