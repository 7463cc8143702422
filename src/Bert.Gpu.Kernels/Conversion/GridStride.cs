using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Conversion;

/// <summary>The launch of an element-wise kernel whose threads stride over the elements: the conversions' and the split-K reduce's.</summary>
internal static class GridStride
{
    /// <summary>Threads per group.</summary>
    private const int GroupSize = 256;

    /// <summary>Most groups launched: enough to fill any GPU (132 SMs × 16), few enough that each thread does several elements.</summary>
    private const int MaxGroups = 2048;

    /// <summary>Groups and threads for <paramref name="count"/> elements on <paramref name="accelerator"/>.</summary>
    public static KernelConfig For(Accelerator accelerator, long count)
    {
        var threads = System.Math.Min(GroupSize, accelerator.MaxNumThreadsPerGroup);
        return new KernelConfig((int)System.Math.Min(MaxGroups, (count + threads - 1) / threads), threads);
    }
}
