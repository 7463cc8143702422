using BenchmarkDotNet.Attributes;
using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Bench;

/// <summary>
/// Self-attention over equal-length sequences on every device present: BERT-base heads (12 × 64) at 8 and 128
/// sequences of 128 tokens, MiniLM heads (12 × 32) at 128 × 128.
/// </summary>
public class KernelAttentionBenchmarks : KernelBenchmarks
{
    private DeviceBatch _batch = null!;
    private IDeviceBuffer _qkv = null!, _context = null!;
    private int _heads, _headDim;

    /// <summary>Shape as "B×S×H×D": sequences × tokens each × heads × head dim.</summary>
    [Params("8x128x12x64", "128x128x12x64", "128x128x12x32")]
    public string Shape { get; set; } = "";

    public static double Flops(string shape)
    {
        var d = Dimensions(shape);
        return 4.0 * d[0] * d[1] * d[1] * d[2] * d[3];
    }

    [GlobalSetup]
    public void Setup()
    {
        OpenBackend();
        var d = Dimensions(Shape);
        (_heads, _headDim) = (d[2], d[3]);
        var packed = new PackedBatch(Enumerable.Range(0, d[0]).Select(_ => new TokenizedText(new int[d[1]], new int[d[1]])).ToList());
        _batch = packed.Upload(Backend);
        var random = new Random(2);
        _qkv = Backend.Upload(Enumerable.Range(0, packed.TotalTokens * 3 * d[2] * d[3]).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray());
        _context = Backend.Allocate(packed.TotalTokens * d[2] * d[3]);
    }

    [Benchmark]
    public void Attention()
    {
        Backend.Attention(_batch, _qkv, _heads, _headDim, _context);
        Wait(_context);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _qkv.Dispose();
        _context.Dispose();
        Backend.Dispose();
    }
}
