using ILGPU.Runtime;

namespace Bert.Gpu.Kernels;

/// <summary>Checks a launch configuration against what an accelerator can run, before any kernel is compiled.</summary>
internal static class KernelLimits
{
    /// <summary>Throws when a group of <paramref name="threads"/> using <paramref name="sharedFloats"/> floats of shared memory cannot run.</summary>
    public static void Check(Accelerator accelerator, string kernel, int threads, int sharedFloats)
    {
        if (threads > accelerator.MaxNumThreadsPerGroup)
            throw new ArgumentException(
                $"{kernel}: a group of {threads} threads exceeds {accelerator.Name}'s limit of {accelerator.MaxNumThreadsPerGroup}; choose a smaller tiling.");
        var bytes = (long)sharedFloats * sizeof(float);
        if (bytes > accelerator.MaxSharedMemoryPerGroup)
            throw new ArgumentException(
                $"{kernel}: {bytes} bytes of shared memory per group exceed {accelerator.Name}'s limit of {accelerator.MaxSharedMemoryPerGroup}; choose smaller tiles.");
    }

    /// <summary>Whole groups needed to cover <paramref name="count"/> items, <paramref name="perGroup"/> at a time.</summary>
    public static int Groups(int count, int perGroup) => (count + perGroup - 1) / perGroup;
}
