using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Calibration;

/// <summary>The |x| histogram of every linear unit's input over a calibration corpus, gathered through <see cref="ILinearInputObserver"/>.</summary>
internal sealed class UnitActivations : ILinearInputObserver
{
    private readonly AbsHistogram[,] _histograms;

    public UnitActivations(BertConfig config)
    {
        var units = Enum.GetValues<LinearUnit>();
        _histograms = new AbsHistogram[config.NumLayers, units.Length];
        for (var layer = 0; layer < config.NumLayers; layer++)
            foreach (var unit in units)
                _histograms[layer, (int)unit] = new AbsHistogram(BertTensorNames.Unit(layer, unit));
    }

    /// <summary>The histogram of layer <paramref name="layer"/>'s <paramref name="unit"/> input.</summary>
    public AbsHistogram this[int layer, LinearUnit unit] => _histograms[layer, (int)unit];

    public void Observe(int layer, LinearUnit unit, ReadOnlySpan<float> rows, int width) => _histograms[layer, (int)unit].Observe(rows);
}
