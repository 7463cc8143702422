using Bert.Gpu.Backends.Host.Fp32;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Bench;

/// <summary>
/// The host int8 linear layer against the fp32 one in the same run, at <see cref="HostGemmBenchmarks"/>' shapes: the
/// fp32 GEMM is the baseline, so the Ratio column is int8 time over fp32 time. The int8 case includes quantizing X
/// (dynamic, per token) and the dequantizing epilogue; both run on every logical processor, as HostBackend does.
/// G(FL)OP/s = 2·M·N·K / mean.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class HostInt8GemmBenchmarks
{
    private float[] _x = null!, _y = null!;
    private HostLinearWeights _fp32 = null!;
    private HostInt8LinearWeights _int8 = null!;
    private int _rows;

    /// <summary>Shape as "M×N×K".</summary>
    [Params("2048x1152x384", "2048x1536x384", "2048x384x1536", "2048x2304x768", "2048x3072x768", "2048x768x3072")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var d = Shape.Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var (m, n, k) = (d[0], d[1], d[2]);
        _rows = m;
        var random = new Random(1);
        _x = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _y = new float[m * n];
        var q = Enumerable.Range(0, n * k).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var scales = Enumerable.Range(0, n).Select(_ => 0.001f + 0.01f * random.NextSingle()).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _int8 = new HostInt8LinearWeights(q, scales, bias, n, k);
        var dequantized = new float[n * k];
        for (var i = 0; i < dequantized.Length; i++)
            dequantized[i] = q[i] * scales[i / k];
        _fp32 = new HostLinearWeights(new Fp32Linear(new FloatTensor(dequantized, n, k), new FloatTensor(bias, n)));
    }

    [Benchmark(Baseline = true)]
    public void Fp32() => HostGemm.Run(_x, _rows, _fp32, Activation.None, null, _y, Environment.ProcessorCount, HostFp32Paths.Selected());

    [Benchmark]
    public void Int8() => HostInt8Gemm.Run(_x, _rows, _int8, ActivationQuantization.DynamicPerToken, Activation.None, default, _y,
        Environment.ProcessorCount);

    /// <summary>2·M·N·K for the GFLOP/s column: for int8 these are integer multiply-adds, counted as two operations (GOP/s).</summary>
    public static double Flops(string shape)
    {
        var d = shape.Split('x').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return 2 * d[0] * d[1] * d[2];
    }
}
