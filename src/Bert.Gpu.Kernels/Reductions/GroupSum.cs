using ILGPU;

namespace Bert.Gpu.Kernels.Reductions;

/// <summary>
/// A sum across the threads of a one-dimensional group through a shared-memory tree, called by every thread of the
/// group. The additions happen in a fixed order, so the same input gives the same bits on every run (ILGPU.Algorithms'
/// group reductions end in shared-memory atomics, whose order varies); it uses no warp shuffles, which ILGPU's OpenCL
/// backend only emits for Intel devices.
/// </summary>
internal static class GroupSum
{
    /// <summary>Returns the sum of every thread's <paramref name="value"/> to every thread.</summary>
    /// <param name="scratch">Shared memory of at least <c>Group.DimX</c> floats; <c>Group.DimX</c> must be a power of two.</param>
    /// <param name="value">This thread's contribution.</param>
    public static float Sum(ArrayView<float> scratch, float value)
    {
        var t = Group.IdxX;
        scratch[t] = value;
        Group.Barrier();
        for (var stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (t < stride)
                scratch[t] += scratch[t + stride];
            Group.Barrier();
        }
        var total = scratch[0];
        // The scratch is reused by the next reduction: nobody may overwrite slot 0 before everyone has read it.
        Group.Barrier();
        return total;
    }

    /// <summary>True when <paramref name="threads"/> suits <see cref="Sum"/>.</summary>
    public static bool IsValidGroupSize(int threads) => threads > 0 && (threads & (threads - 1)) == 0;
}
