using BenchmarkDotNet.Attributes;
using Bert.Gpu.Quantization.Calibration;
using Bert.Gpu.Quantization.Observers;

namespace Bert.Gpu.Bench;

/// <summary>
/// The calibration observers and thresholds (docs/QUANTIZATION.md, "Throughput"): a 1,600 × 384 batch of Gaussian
/// activations with a few outlier channels (MiniLM's post-LayerNorm shape) into an |x| histogram and the per-channel
/// max observer, and the entropy and MSE thresholds of the resulting 2048-bin histogram.
/// </summary>
public class ObserverBenchmarks
{
    private const int Rows = 1600, Width = 384;
    private float[] _batch = null!;
    private AbsHistogram _filled = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _batch = new float[Rows * Width];
        for (var i = 0; i < _batch.Length; i++)
        {
            // Box–Muller; channels 7 and 300 twenty times wider, as outlier channels are.
            var g = MathF.Sqrt(-2 * MathF.Log(1 - random.NextSingle())) * MathF.Cos(2 * MathF.PI * random.NextSingle());
            _batch[i] = g * (i % Width is 7 or 300 ? 20f : 1f);
        }
        _filled = new AbsHistogram("bench");
        _filled.Observe(_batch);
    }

    /// <summary>Values per second = 614,400 / mean.</summary>
    [Benchmark]
    public long Histogram()
    {
        var histogram = new AbsHistogram("bench");
        histogram.Observe(_batch);
        return histogram.Count;
    }

    [Benchmark]
    public long ChannelMax()
    {
        var observer = new ChannelAbsMaxObserver("bench", Width);
        observer.Observe(_batch);
        return observer.Rows;
    }

    [Benchmark]
    public float Entropy() => EntropyThreshold.Select(_filled);

    [Benchmark]
    public float Mse() => MseThreshold.Select(_filled);
}
