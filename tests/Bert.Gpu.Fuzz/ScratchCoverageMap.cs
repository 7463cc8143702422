using System.Runtime.InteropServices;

namespace Bert.Gpu.Fuzz;

/// <summary>
/// An instrumented build writes into SharpFuzz's coverage map on every branch, and crashes on a null map. Outside afl
/// (replay) and before the fork server attaches afl's map (warming up), the branches write here instead.
/// </summary>
internal static unsafe class ScratchCoverageMap
{
    // SharpFuzz's map size, 64 KiB, the same as afl's default.
    private const int Size = 1 << 16;

    public static void EnsureAttached()
    {
        if (SharpFuzz.Common.Trace.SharedMem is null)
            SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(Size);
    }
}
