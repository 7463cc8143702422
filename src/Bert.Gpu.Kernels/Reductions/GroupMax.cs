using ILGPU;

namespace Bert.Gpu.Kernels.Reductions;

/// <summary>
/// A maximum across the threads of a one-dimensional group through a shared-memory tree, called by every thread of the
/// group: the same construction as <see cref="GroupSum"/> (static scratch, fixed pairing, no atomics, no warp shuffles),
/// so OpenCL devices run the very code CUDA does.
/// </summary>
internal static class GroupMax
{
    /// <summary>Returns the largest of every thread's <paramref name="value"/> to every thread.</summary>
    /// <param name="value">This thread's contribution; <c>Group.DimX</c> must satisfy <see cref="GroupSum.IsValidGroupSize"/>.</param>
    /// <remarks>
    /// A comparison rather than <c>MathF.Max</c>: it keeps BCL helpers out of device code, and for the non-negative,
    /// finite magnitudes the quantizer reduces the two agree.
    /// </remarks>
    public static float Max(float value)
    {
        var scratch = SharedMemory.Allocate<float>(GroupSum.MaxGroupSize);
        var t = Group.IdxX;
        scratch[t] = value;
        Group.Barrier();
        for (var stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (t < stride)
            {
                var other = scratch[t + stride];
                if (other > scratch[t])
                    scratch[t] = other;
            }
            Group.Barrier();
        }
        var max = scratch[0];
        // The scratch is reused by the next reduction: nobody may overwrite slot 0 before everyone has read it.
        Group.Barrier();
        return max;
    }
}
