using BenchmarkDotNet.Attributes;
using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.Bench;

/// <summary>
/// The encoder's linear layers on every device present: MiniLM (hidden 384, FFN 1536) and BERT-base (768, 3072) at
/// 2048 tokens, and BERT-base's two widest at 16384 (batch 128 × 128, as DeviceCheck and the torch baseline time).
/// </summary>
public class KernelGemmBenchmarks : KernelBenchmarks
{
    private IDeviceBuffer _x = null!, _y = null!;
    private ILinearWeights _w = null!;
    private int _rows;

    /// <summary>Shape as "M×N×K": tokens × out features × in features.</summary>
    [Params("2048x1152x384", "2048x1536x384", "2048x384x1536", "2048x2304x768", "2048x3072x768", "2048x768x3072",
        "16384x2304x768", "16384x3072x768")]
    public string Shape { get; set; } = "";

    public static double Flops(string shape)
    {
        var d = Dimensions(shape);
        return 2.0 * d[0] * d[1] * d[2];
    }

    [GlobalSetup]
    public void Setup()
    {
        OpenBackend();
        var d = Dimensions(Shape);
        _rows = d[0];
        var random = new Random(1);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _x = Backend.Upload(Random(d[0] * d[2]));
        _y = Backend.Allocate(d[0] * d[1]);
        _w = Backend.UploadLinear(new FloatTensor(Random(d[1] * d[2]), d[1], d[2]), new FloatTensor(Random(d[1]), d[1]));
    }

    [Benchmark]
    public void Linear()
    {
        Backend.Linear(_x, _rows, _w, Activation.None, null, _y);
        Wait(_y);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _y.Dispose();
        _w.Dispose();
        Backend.Dispose();
    }
}
