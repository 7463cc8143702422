using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// A linear layer packed for <see cref="HostGemm"/>: the output columns in panels of <see cref="PanelWidth"/>, each
/// panel stored k-major (<c>[k][PanelWidth]</c>) so every micro-kernel streams it (AVX2: two 8-wide loads per k; AVX-512: one 16-wide load, two panels at a time; portable: four 4-wide loads).
/// The last panel is zero-padded; the bias is padded alike.
/// </summary>
internal sealed class HostLinearWeights : ILinearWeights
{
    public const int PanelWidth = 16;

    public HostLinearWeights(Fp32Linear layer)
    {
        (OutFeatures, InFeatures) = (layer.OutFeatures, layer.InFeatures);
        var (weight, bias) = (layer.Weight, layer.Bias);

        Panels = (OutFeatures + PanelWidth - 1) / PanelWidth;
        Packed = new float[Panels * InFeatures * PanelWidth];
        Bias = new float[Panels * PanelWidth];
        bias.Data.CopyTo(Bias, 0);
        var w = weight.Data;
        for (var n = 0; n < OutFeatures; n++)
        {
            var panel = n / PanelWidth;
            var lane = n % PanelWidth;
            var row = w.AsSpan(n * InFeatures, InFeatures);
            var dst = panel * InFeatures * PanelWidth + lane;
            for (var k = 0; k < InFeatures; k++)
                Packed[dst + k * PanelWidth] = row[k];
        }
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public LinearFormat Format => LinearFormat.Fp32;

    public int Panels { get; }

    public float[] Packed { get; }

    public float[] Bias { get; }

    public void Dispose()
    {
        // Managed memory: the GC reclaims it.
    }
}
