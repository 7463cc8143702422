using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Host;

/// <summary>The int8 GEMM's integer part: exact int32 sums on every path this CPU has, at shapes that are multiples of nothing.</summary>
public class Int8GemmTests
{
    /// <summary>Every kernel this machine can run (on AMD Zen 3: portable and AVX2).</summary>
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (var path in Enum.GetValues<HostInt8Path>().Where(HostInt8Paths.IsSupported))
            data.Add(path.ToString());
        return data;
    }

    public static TheoryData<string, int, int, int> PathsAndShapes()
    {
        var data = new TheoryData<string, int, int, int>();
        (int M, int N, int K)[] shapes =
        [
            (37, 53, 29), // K not a multiple of 4 (the last quad padded) nor of 32 (all of it through the scalar packing)
            (1, 384, 384), // one token: a group of four rows with three of padding; the panels split across threads
            (129, 1536, 384), // row blocks of 72 and 57 (14 groups and one row), two K slices of 48 quads
            (7, 53, 1100), // 275 quads: six K slices, the last of 35; 53 columns: the third panel 5 wide
            (5, 7, 3), // narrower than one panel, one group and one quad
        ];
        foreach (var path in Paths())
            foreach (var (m, n, k) in shapes)
                data.Add(path, m, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndShapes))]
    public void SumsAreExactAgainstAnInt64Reference(string path, int rows, int n, int k)
    {
        // Integer activations with a static scale of 1 quantize to themselves, and with unit weight scales and no bias
        // the output is (float)acc: the exact sum rounded once, compared bit for bit with the int64 sum so rounded.
        var random = new Random(rows * 7919 + n * 31 + k);
        var x = Enumerable.Range(0, rows * k).Select(_ => (float)random.Next(-127, 128)).ToArray();
        var w = Int8Reference.RandomWeights(random, n * k);
        var q = x.Select(v => (sbyte)v).ToArray();
        var expected = Int8Reference.Accumulate(q, rows, w, n, k);

        var y = Int8Run.Linear(x, rows, new HostInt8LinearWeights(w, Ones(n), new float[n], n, k), ActivationQuantization.Static(1f),
            Activation.None, null, Enum.Parse<HostInt8Path>(path), threads: 2);

        for (var i = 0; i < expected.Length; i++)
            Assert.True((float)expected[i] == y[i], $"[{i / n}, {i % n}]: {y[i]}, expected {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TheWidestKAccumulatesWithoutOverflow(string path)
    {
        // 127·127·133,144 = 2,147,479,576 ≤ 2³¹ − 1, and one more column of K would pass it: all activations and
        // weights at +127 (and a column at −127) reach the int32 limit through 694 K slices of partial sums.
        const int k = HostInt8LinearWeights.MaxInFeatures, n = 17;
        Assert.Equal(133_144, k);
        Assert.True(127L * 127 * (k + 1) > int.MaxValue);
        var w = new sbyte[n * k];
        Array.Fill(w, (sbyte)127);
        w.AsSpan(16 * k, k).Fill(-127);
        var x = new float[k];
        Array.Fill(x, 127f);

        var y = Int8Run.Linear(x, 1, new HostInt8LinearWeights(w, Ones(n), new float[n], n, k), ActivationQuantization.Static(1f),
            Activation.None, null, Enum.Parse<HostInt8Path>(path), threads: 2);

        Assert.All(y[..16], v => Assert.Equal((float)(127L * 127 * k), v));
        Assert.Equal(-(float)(127L * 127 * k), y[16]);
    }

    [Theory]
    [InlineData(129, 1536, 384)]
    [InlineData(5, 384, 384)] // few row blocks: panel groups split the work differently for each thread count
    [InlineData(1, 53, 29)]
    public void ThreadCountsAndPathsGiveIdenticalBits(int rows, int n, int k)
    {
        var random = new Random(rows + n + k);
        var x = Reference.RandomVector(random, rows * k, 3f);
        var r = Reference.RandomVector(random, rows * n);
        var weights = new HostInt8LinearWeights(Int8Reference.RandomWeights(random, n * k), Reference.RandomVector(random, n, 0.01f),
            Reference.RandomVector(random, n), n, k);
        var first = Int8Run.Linear(x, rows, weights, ActivationQuantization.DynamicPerToken, Activation.Gelu, r, HostInt8Path.Portable, threads: 1);

        foreach (var path in Enum.GetValues<HostInt8Path>().Where(HostInt8Paths.IsSupported))
            for (var threads = 1; threads <= 3; threads++)
            {
                var y = Int8Run.Linear(x, rows, weights, ActivationQuantization.DynamicPerToken, Activation.Gelu, r, path, threads);
                Assert.True(first.AsSpan().SequenceEqual(y), $"{path} with {threads} threads differs from portable with 1");
            }
    }

    [Fact]
    public void ThePathInUseIsTheBestThisCpuHas()
    {
        Assert.True(HostInt8Paths.IsSupported(HostInt8Gemm.Path));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported ? HostInt8Path.Avx2 : HostInt8Path.Portable, HostInt8Gemm.Path);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "int8 AVX2" : "int8 portable", HostInt8Paths.Name(HostInt8Gemm.Path));
    }

    [Fact]
    public void MalformedWeightsAndAliasedBuffersAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new HostInt8LinearWeights([1, -128], [1f], [0f], 1, 2));
        Assert.Throws<ArgumentException>(() => new HostInt8LinearWeights([1, 2], [float.NaN], [0f], 1, 2));
        Assert.Throws<ArgumentException>(() => new HostInt8LinearWeights([1, 2, 3], [1f], [0f], 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HostInt8LinearWeights([], [1f], [0f], 1, HostInt8LinearWeights.MaxInFeatures + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationQuantization.Static(0f));

        var w = new HostInt8LinearWeights([1, 2, 3, 4], [1f, 1f], [0f, 0f], 2, 2);
        var buffer = new float[8];
        // y = buffer[0..2) overlaps x = buffer[0..2): the int32 partial sums would be read back as activations.
        Assert.Throws<ArgumentException>(() =>
            HostInt8Gemm.Run(buffer.AsSpan(0, 2), 1, w, ActivationQuantization.DynamicPerToken, Activation.None, default, buffer.AsSpan(0, 2), 1));
        Assert.Throws<ArgumentException>(() =>
            HostInt8Gemm.Run(buffer.AsSpan(0, 2), 1, w, ActivationQuantization.DynamicPerToken, Activation.None, buffer.AsSpan(4, 2), buffer.AsSpan(4, 2), 1));
    }

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();
}

/// <summary>Calls the GEMM with arrays, as the tests hold their data.</summary>
internal static class Int8Run
{
    public static float[] Linear(float[] x, int rows, HostInt8LinearWeights w, ActivationQuantization quantization, Activation activation,
        float[]? residual, HostInt8Path path, int threads)
    {
        var y = new float[rows * w.OutFeatures];
        HostInt8Gemm.Run(x, rows, w, quantization, activation, residual, y, threads, path);
        return y;
    }
}
