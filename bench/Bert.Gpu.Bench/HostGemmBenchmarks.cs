using BenchmarkDotNet.Attributes;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;

namespace Bert.Gpu.Bench;

/// <summary>
/// The host GEMM at the encoder's real shapes (M = tokens in a batch): MiniLM (hidden 384, FFN 1536) and
/// BERT-base (768, 3072). GFLOP/s = 2·M·N·K / time.
/// </summary>
[MemoryDiagnoser]
public class HostGemmBenchmarks
{
    private HostBackend _backend = null!;
    private IDeviceBuffer _x = null!, _y = null!;
    private ILinearWeights _w = null!;

    /// <summary>Shape as "M×N×K".</summary>
    [Params("2048x1152x384", "2048x1536x384", "2048x384x1536", "2048x2304x768", "2048x3072x768", "2048x768x3072")]
    public string Shape { get; set; } = "";

    [Params(Activation.None)]
    public Activation Activation { get; set; }

    private int M => int.Parse(Shape.Split('x')[0]);
    private int N => int.Parse(Shape.Split('x')[1]);
    private int K => int.Parse(Shape.Split('x')[2]);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _backend = new HostBackend();
        _x = _backend.Upload(Random(M * K));
        _y = _backend.Allocate(M * N);
        _w = _backend.UploadLinear(new FloatTensor(Random(N * K), N, K), new FloatTensor(Random(N), N));
    }

    [Benchmark]
    public void Linear() => _backend.Linear(_x, M, _w, Activation, null, _y);
}
