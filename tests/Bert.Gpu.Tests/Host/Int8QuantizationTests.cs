using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Tests.Host;

/// <summary>Activation quantization (both modes) and the dequantizing epilogue, through the whole layer.</summary>
public class Int8QuantizationTests
{
    /// <summary>An identity layer (weight 1 on the diagonal, scale 1, no bias) gives back q·scale_x for every input.</summary>
    private static float[] Identity(float[] x, int rows, int k, ActivationQuantization quantization, HostInt8Path path)
    {
        var w = new sbyte[k * k];
        for (var i = 0; i < k; i++)
            w[i * k + i] = 1;
        return Int8Run.Linear(x, rows, new HostInt8LinearWeights(w, Enumerable.Repeat(1f, k).ToArray(), new float[k], k, k),
            quantization, Activation.None, null, path, threads: 2);
    }

    [Theory]
    [MemberData(nameof(Int8GemmTests.Paths), MemberType = typeof(Int8GemmTests))]
    public void DynamicScaleIsTheRowMaxOver127AndTiesGoToEven(string path)
    {
        // max |x| = 15.875 = 127/8, so scale = 1/8 exactly and x/scale is exact: 0.5 → 0, 1.5 → 2, -2.5 → -2, 2.4 → 2.
        // 43 columns: 32 through the vector packing, 11 through the scalar one.
        float[] x = [15.875f, 0.0625f, 0.1875f, -0.3125f, 0.3f, -15.875f, 0f, 1f, 0.0625f, -0.1875f, 0.3125f];
        float[] q = [127, 0, 2, -2, 2, -127, 0, 8, 0, -2, 2];
        var row = Enumerable.Range(0, 43).Select(i => x[i % x.Length]).ToArray();
        var y = Identity(row, 1, row.Length, ActivationQuantization.DynamicPerToken, Enum.Parse<HostInt8Path>(path));
        Assert.Equal(Enumerable.Range(0, 43).Select(i => q[i % q.Length] / 8f), y);
    }

    [Theory]
    [MemberData(nameof(Int8GemmTests.Paths), MemberType = typeof(Int8GemmTests))]
    public void StaticScaleClampsBeyond127Steps(string path)
    {
        float[] x = [100f, -1e30f, float.PositiveInfinity, 0.1875f, -15.875f, 15.9f, float.NegativeInfinity, -0.0625f, 3f];
        float[] q = [127, -127, 127, 2, -127, 127, -127, 0, 24];
        var row = Enumerable.Range(0, 40).Select(i => x[i % x.Length]).ToArray(); // 32 vector, 8 scalar
        var y = Identity(row, 1, row.Length, ActivationQuantization.Static(0.125f), Enum.Parse<HostInt8Path>(path));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => q[i % q.Length] / 8f), y);
    }

    [Theory]
    [MemberData(nameof(Int8GemmTests.Paths), MemberType = typeof(Int8GemmTests))]
    public void ZeroAndUnderflowingRowsQuantizeToZeroAndNaNRowsStayNaN(string path)
    {
        const int k = 45; // 32 through the vector packing, 13 through the scalar one
        var x = new float[5 * k]; // row 0 stays zero
        x[k + 5] = 1e-44f; // row 1: max/127 underflows to 0, so the scale is 1 and everything rounds to 0
        Array.Fill(x, 2f, 2 * k, k); // row 2: all 2
        Array.Fill(x, 1f, 3 * k, 2 * k);
        x[3 * k + 40] = float.NaN; // row 3: a NaN in the scalar part, row 4: in the vector part; the row is NaN, as in fp32
        x[4 * k + 3] = float.NaN;
        foreach (var quantization in new[] { ActivationQuantization.DynamicPerToken, ActivationQuantization.Static(0.5f) })
        {
            var y = Identity(x, 5, k, quantization, Enum.Parse<HostInt8Path>(path));
            Assert.All(y[..(2 * k)], v => Assert.Equal(0f, v));
            Assert.All(y[(2 * k)..(3 * k)], v => Assert.Equal(2f, v)); // dynamic: 127·(2/127); static: 4·0.5
            Assert.All(y[(3 * k)..], v => Assert.True(float.IsNaN(v)));
        }
    }

    public static TheoryData<string, bool, int, int, int, bool, bool> Layers()
    {
        var data = new TheoryData<string, bool, int, int, int, bool, bool>();
        foreach (var path in Int8GemmTests.Paths())
        {
            data.Add(path, true, 37, 53, 29, true, true);
            data.Add(path, false, 37, 53, 29, true, true);
            data.Add(path, true, 129, 1536, 384, true, false);
            data.Add(path, false, 1, 384, 384, false, true);
            data.Add(path, true, 7, 45, 1100, false, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void DequantBiasGeluAndResidualMatchADoubleReferenceWithinTheFp32Bound(string path, bool dynamic, int rows, int n, int k,
        bool gelu, bool residual)
    {
        var random = new Random(rows * n + k);
        var x = Reference.RandomVector(random, rows * k, 4f);
        for (var r = 0; r < rows; r += 3)
            x[r * k] *= 40; // an outlier per few rows: the dynamic scale follows it, the static one clamps it
        var w = Int8Reference.RandomWeights(random, n * k);
        var weightScales = Enumerable.Range(0, n).Select(_ => 0.001f + 0.02f * random.NextSingle()).ToArray();
        var bias = Reference.RandomVector(random, n);
        var res = residual ? Reference.RandomVector(random, rows * n) : null;
        // Static: the scale of |x| ≤ 2 (the inputs' bulk), so the outliers and some of the bulk's tails clamp.
        var quantization = dynamic ? ActivationQuantization.DynamicPerToken : ActivationQuantization.Static(2f / 127);
        var activation = gelu ? Activation.Gelu : Activation.None;

        var (q, rowScales) = Int8Reference.Quantize(x, rows, k, quantization);
        var (expected, tolerance) = Int8Reference.Linear(Int8Reference.Accumulate(q, rows, w, n, k), rowScales, rows, weightScales,
            bias, activation, res);
        var y = Int8Run.Linear(x, rows, new HostInt8LinearWeights(w, weightScales, bias, n, k), quantization, activation, res,
            Enum.Parse<HostInt8Path>(path), threads: 2);

        if (!dynamic)
            Assert.Contains(q, v => Math.Abs(v) == 127); // the clamp is exercised
        for (var i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= tolerance[i],
                $"[{i / n}, {i % n}]: {y[i]} vs {expected[i]}, |Δ| = {Math.Abs(y[i] - expected[i]):G3} > {tolerance[i]:G3}");
    }
}
