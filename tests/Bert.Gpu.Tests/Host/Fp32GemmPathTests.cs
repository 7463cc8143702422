using System.Runtime.Intrinsics.X86;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Host.Fp32;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Host;

/// <summary>
/// Every fp32 GEMM path (AVX-512, AVX2, portable) on every machine: a path the CPU lacks runs on .NET's emulation of
/// the wider vectors — slow, but the same arithmetic — so the AVX-512 micro-kernel's tiling, panel pairs, odd panels,
/// edge panels and row tails are checked here on an AVX2-only machine, and the AVX2 path's on an AVX-512 one.
/// </summary>
public class Fp32GemmPathTests(ITestOutputHelper output)
{
    /// <summary>Paths by name: the enum is internal, and xunit's theories must be public.</summary>
    public static TheoryData<string> Paths => [nameof(HostFp32Path.Avx512), nameof(HostFp32Path.Avx2), nameof(HostFp32Path.Portable)];

    /// <summary>
    /// rows × K × N: one row; row tails for 4, 6 and 12-row tiles; several 72-row tasks; K across the 128 and 256-step
    /// slices and not a multiple of either; N a single edge panel, whole panels, an odd count of panels and an edge.
    /// </summary>
    public static TheoryData<string, int, int, int> PathsAndShapes()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var path in Paths)
            foreach (var (rows, k, n) in new[] { (1, 3, 7), (13, 300, 48), (25, 129, 33), (150, 520, 80), (7, 16, 16) })
                data.Add(path, rows, k, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndShapes))]
    public void LinearWithGeluAndResidualMatchesTheDoubleReference(string name, int rows, int k, int n)
    {
        var path = Enum.Parse<HostFp32Path>(name);
        var random = new Random(rows * 1000 + k + n);
        var x = Reference.RandomVector(random, rows * k);
        var w = Reference.RandomVector(random, n * k, 1f / MathF.Sqrt(k));
        var b = Reference.RandomVector(random, n);
        var r = Reference.RandomVector(random, rows * n);
        var expected = Reference.Linear(x, rows, w, b, n, gelu: true, r);

        var actual = Linear(path, threads: 3, x, rows, w, b, n, Activation.Gelu, r);

        var difference = Reference.MaxAbsDiff(expected, actual);
        output.WriteLine($"{path} {rows}×{k}×{n}: max |Δ| = {difference:g3}");
        // fp32 accumulation over K ≤ 520 terms of size ~1/√K: a few ulps of values of order 1.
        Assert.True(difference <= 2e-5f, $"max |Δ| = {difference}");
    }

    [Theory]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.None)]
    public void EveryActivationMatchesTheDoubleReference(Activation activation)
    {
        var random = new Random((int)activation);
        const int rows = 29, k = 70, n = 37;
        var x = Reference.RandomVector(random, rows * k);
        var w = Reference.RandomVector(random, n * k, 0.3f);
        var b = Reference.RandomVector(random, n);
        var r = Reference.RandomVector(random, rows * n);
        var expected = Reference.Linear(x, rows, w, b, n, activation, r);
        var difference = Reference.MaxAbsDiff(expected, Linear(HostFp32Paths.Best(), 2, x, rows, w, b, n, activation, r));
        Assert.True(difference <= 2e-5f, $"{activation}: max |Δ| = {difference}");
    }

    [SkippableFact]
    public void EveryPathGivesTheSameBitsWhereTheCpuHasFma()
    {
        // Each path accumulates each output in the same order with fused multiply-adds; without hardware FMA the
        // portable path multiplies then adds, and its bits differ.
        Skip.IfNot(Fma.IsSupported, "the portable path fuses only on a CPU with FMA");
        var random = new Random(9);
        const int rows = 100, k = 384, n = 1536 + 5;
        var x = Reference.RandomVector(random, rows * k);
        var w = Reference.RandomVector(random, n * k, 0.05f);
        var b = Reference.RandomVector(random, n);
        var avx2 = Linear(HostFp32Path.Avx2, 2, x, rows, w, b, n, Activation.None, null);
        Assert.Equal(avx2, Linear(HostFp32Path.Avx512, 2, x, rows, w, b, n, Activation.None, null));
        Assert.Equal(avx2, Linear(HostFp32Path.Portable, 1, x, rows, w, b, n, Activation.None, null));
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void TheEncoderOnEachPathGivesTheNativePathsBits(string name)
    {
        var path = Enum.Parse<HostFp32Path>(name);
        Skip.IfNot(Fma.IsSupported, "the portable path fuses only on a CPU with FMA");
        var model = TinyBert.Create(64, new BertConfig(VocabSize: 50, HiddenSize: 96, NumLayers: 2, NumHeads: 3,
            IntermediateSize: 200, MaxPositionEmbeddings: 160, TypeVocabSize: 2, LayerNormEps: 1e-12f));
        var batch = new PackedBatch(TinyBert.Sequences(new Random(5), [1, 9, 77, 130]));
        Assert.Equal(LastHiddenState(model, batch, HostFp32Paths.Best()), LastHiddenState(model, batch, path));
    }

    [Fact]
    public void TheDeviceNameSaysWhichPathRuns()
    {
        using var host = new HostBackend(2, HostFp32Path.Portable);
        Assert.Equal("host (2 threads, portable Vector128, int8 portable)", host.DeviceName);
        using var best = new HostBackend(1);
        Assert.Contains(HostFp32Paths.Name(HostFp32Paths.Best()), best.DeviceName);
    }

    private static float[] LastHiddenState(BertModel model, PackedBatch batch, HostFp32Path path)
    {
        using var host = new HostBackend(2, path);
        using var encoder = new BertEncoder(model, host);
        var result = new float[batch.TotalTokens * model.Config.HiddenSize];
        encoder.LastHiddenState(batch, result);
        return result;
    }

    private static float[] Linear(HostFp32Path path, int threads, float[] x, int rows, float[] w, float[] b, int n, Activation activation, float[]? residual)
    {
        using var host = new HostBackend(threads, path);
        using var weights = host.UploadLinear(new FloatTensor(w, n, w.Length / n), new FloatTensor(b, n));
        using var input = host.Upload(x);
        using var add = residual is null ? null : host.Upload(residual);
        using var y = host.Allocate(rows * n);
        host.Linear(input, rows, weights, activation, add, y);
        var result = new float[rows * n];
        host.Download(y, result);
        return result;
    }
}
