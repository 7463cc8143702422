using Bert.Gpu.Kernels.Normalization;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class NormalizationKernelTests(CpuAccelerator cpu)
{
    private const int Rows = 5;

    [Theory]
    [InlineData(37, false)]
    [InlineData(64, true)]
    public void LayerNormMatchesNaiveReference(int width, bool residual)
    {
        var (x, r, gamma, beta) = LayerNormInputs(width, residual);
        var sum = r is null ? x : x.Select((v, i) => v + r[i]).ToArray();
        var expected = Reference.LayerNorm(sum, width, gamma, beta, 1e-12);
        Assert.True(Reference.MaxAbsDiff(expected, RunLayerNorm(new LayerNormKernel(cpu.Accelerator), x, r, width, gamma, beta)) < 1e-5f);
    }

    [Fact]
    public void LayerNormIsDeterministicWithWideGroups()
    {
        var (x, r, gamma, beta) = LayerNormInputs(300, residual: true);
        var kernel = new LayerNormKernel(cpu.Accelerator, threads: 128);
        var first = RunLayerNorm(kernel, x, r, 300, gamma, beta);
        Assert.Equal(first, RunLayerNorm(kernel, x, r, 300, gamma, beta));
        Assert.True(Reference.MaxAbsDiff(Reference.LayerNorm(x.Select((v, i) => v + r![i]).ToArray(), 300, gamma, beta, 1e-12), first) < 1e-5f);
    }

    [Fact]
    public void EmbedLayerNormGathersSumsAndNormalizes()
    {
        const int width = 37, vocab = 11, positions = 9, types = 2;
        var random = new Random(3);
        var word = Reference.RandomVector(random, vocab * width);
        var position = Reference.RandomVector(random, positions * width);
        var type = Reference.RandomVector(random, types * width);
        var gamma = Reference.RandomVector(random, width);
        var beta = Reference.RandomVector(random, width);
        int[] ids = [2, 10, 0, 7, 7, 3], pos = [0, 1, 2, 0, 1, 8], typ = [0, 0, 1, 0, 1, 1];
        var sums = new float[ids.Length * width];
        for (var t = 0; t < ids.Length; t++)
            for (var c = 0; c < width; c++)
                sums[t * width + c] = word[ids[t] * width + c] + position[pos[t] * width + c] + type[typ[t] * width + c];
        var expected = Reference.LayerNorm(sums, width, gamma, beta, 1e-12);

        using var dWord = cpu.Upload(word);
        using var dPosition = cpu.Upload(position);
        using var dType = cpu.Upload(type);
        using var dIds = cpu.Upload(ids);
        using var dPos = cpu.Upload(pos);
        using var dTyp = cpu.Upload(typ);
        using var dGamma = cpu.Upload(gamma);
        using var dBeta = cpu.Upload(beta);
        using var output = cpu.Accelerator.Allocate1D<float>(sums.Length);
        using var halves = cpu.Accelerator.Allocate1D<ushort>(sums.Length);
        new EmbedLayerNormKernel(cpu.Accelerator).Launch(cpu.Stream, new EmbeddingIndices(dIds.View, dPos.View, dTyp.View),
            new EmbeddingTables(dWord.View, dPosition.View, dType.View), ids.Length, width, dGamma.View, dBeta.View, 1e-12f, output.View,
            halves.View);

        var rows = cpu.Download(output, sums.Length);
        Assert.True(Reference.MaxAbsDiff(expected, rows) < 1e-5f);
        Assert.Equal(rows.Select(HalfBitsOf), cpu.Download(halves, sums.Length));
    }

    [Fact]
    public void LayerNormsFp16CopyIsItsRowsRoundedToNearestEven()
    {
        const int width = 40;
        var (x, r, gamma, beta) = LayerNormInputs(width, residual: true);
        var kernel = new LayerNormKernel(cpu.Accelerator);
        var withoutCopy = RunLayerNorm(kernel, x, r, width, gamma, beta);
        using var dx = cpu.Upload(x);
        using var dr = cpu.Upload(r!);
        using var dGamma = cpu.Upload(gamma);
        using var dBeta = cpu.Upload(beta);
        using var halves = cpu.Accelerator.Allocate1D<ushort>(x.Length);
        kernel.Launch(cpu.Stream, dx.View, Rows, width, dGamma.View, dBeta.View, 1e-12f, dr.View, halves.View);
        var rows = cpu.Download(dx, x.Length);
        // The fp32 rows are what they are without the copy, and the copy is System.Half's rounding of each (the oracle).
        Assert.Equal(withoutCopy, rows);
        Assert.Equal(rows.Select(HalfBitsOf), cpu.Download(halves, x.Length));
    }

    private static ushort HalfBitsOf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    [Fact]
    public void L2NormalizeGivesUnitRowsAndKeepsZeroRows()
    {
        const int width = 37;
        var x = Reference.RandomVector(new Random(4), 3 * width, 5f);
        Array.Clear(x, width, width);
        using var buffer = cpu.Upload(x);
        new L2NormalizeKernel(cpu.Accelerator).Launch(cpu.Stream, buffer.View, 3, width);
        var actual = cpu.Download(buffer, x.Length);

        for (var r = 0; r < 3; r++)
        {
            var norm = Math.Sqrt(x.Skip(r * width).Take(width).Sum(v => (double)v * v));
            for (var c = 0; c < width; c++)
            {
                var expected = norm > 0 ? x[r * width + c] / norm : 0;
                Assert.Equal(expected, actual[r * width + c], 1e-6);
            }
        }
    }

    private static (float[] X, float[]? Residual, float[] Gamma, float[] Beta) LayerNormInputs(int width, bool residual)
    {
        var random = new Random(width);
        var x = Reference.RandomVector(random, Rows * width, 3f);
        for (var i = 0; i < x.Length; i++)
            x[i] += 10f; // a large mean exposes single-pass variance formulas
        var r = residual ? Reference.RandomVector(random, Rows * width) : null;
        return (x, r, Reference.RandomVector(random, width), Reference.RandomVector(random, width));
    }

    private float[] RunLayerNorm(LayerNormKernel kernel, float[] x, float[]? residual, int width, float[] gamma, float[] beta)
    {
        using var dx = cpu.Upload(x);
        using var dr = cpu.Upload(residual ?? []);
        using var dGamma = cpu.Upload(gamma);
        using var dBeta = cpu.Upload(beta);
        kernel.Launch(cpu.Stream, dx.View, Rows, width, dGamma.View, dBeta.View, 1e-12f, residual is null ? null : dr.View);
        return cpu.Download(dx, x.Length);
    }
}
