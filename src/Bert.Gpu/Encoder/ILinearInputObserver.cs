using Bert.Gpu.Model;

namespace Bert.Gpu.Encoder;

/// <summary>Sees the input of every linear unit as the encoder runs: how calibration observes activations.</summary>
public interface ILinearInputObserver
{
    /// <summary>Layer <paramref name="layer"/>'s <paramref name="unit"/> is about to read <paramref name="rows"/> <c>[tokens, width]</c>.</summary>
    void Observe(int layer, LinearUnit unit, ReadOnlySpan<float> rows, int width);
}
