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
    /// <summary>Largest group <see cref="Sum"/> serves: the size of its statically allocated scratch.</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>Returns the sum of every thread's <paramref name="value"/> to every thread.</summary>
    /// <param name="value">This thread's contribution; <c>Group.DimX</c> must be a power of two, at most <see cref="MaxGroupSize"/>.</param>
    /// <remarks>
    /// The scratch is static shared memory: PoCL 6 let concurrently running work-groups clobber each other's
    /// dynamic local memory (the OpenCL lane caught it in the GEMM), so no kernel of ours uses dynamic shared memory.
    /// </remarks>
    public static float Sum(float value)
    {
        var scratch = SharedMemory.Allocate<float>(MaxGroupSize);
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
    public static bool IsValidGroupSize(int threads) => threads > 0 && threads <= MaxGroupSize && (threads & (threads - 1)) == 0;
}
