using Bert.Gpu.Kernels.Pooling;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Kernels;

[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class PoolKernelTests(CpuAccelerator cpu)
{
    [Theory]
    [InlineData(PoolReduction.First)]
    [InlineData(PoolReduction.Mean)]
    [InlineData(PoolReduction.Max)]
    public void FollowsSequenceBoundaries(PoolReduction reduction)
    {
        // Width 37 spans two groups of 32 columns; sequences of 1, 4 and 2 rows.
        const int width = 37;
        int[] starts = [0, 1, 5, 7];
        var hidden = Reference.RandomVector(new Random(6), starts[^1] * width);
        var expected = new float[(starts.Length - 1) * width];
        for (var s = 0; s + 1 < starts.Length; s++)
            for (var c = 0; c < width; c++)
            {
                var column = Enumerable.Range(starts[s], starts[s + 1] - starts[s]).Select(r => hidden[r * width + c]).ToArray();
                expected[s * width + c] = reduction switch
                {
                    PoolReduction.First => column[0],
                    PoolReduction.Mean => column.Sum() / column.Length,
                    _ => column.Max(),
                };
            }

        using var dHidden = cpu.Upload(hidden);
        using var dStarts = cpu.Upload(starts);
        using var output = cpu.Accelerator.Allocate1D<float>(expected.Length);
        new PoolKernel(cpu.Accelerator).Launch(cpu.Stream, dHidden.View, dStarts.View, starts.Length - 1, width, reduction, output.View);

        Assert.True(Reference.MaxAbsDiff(expected, cpu.Download(output, expected.Length)) < 1e-6f);
    }
}
