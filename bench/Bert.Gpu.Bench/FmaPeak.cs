using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bert.Gpu.Bench;

/// <summary>
/// The fp32 FMA peak the GFLOP/s columns are held to: cores × FMA pipes × lanes × 2 × clock. The clock is measured, not
/// read from /proc/cpuinfo (which shows the base, 2.45 GHz on machine A, while the cores boost): a chain of dependent
/// integer adds and xors retires one per cycle on every x86 core, so adds per second on one busy core is its clock.
/// Two FMA pipes is what current x86 cores have (Zen 2–5, Skylake and later); the lanes are the ISA's. Cores are
/// <see cref="Environment.ProcessorCount"/>: logical processors, right for machine A (2 vCPUs, no SMT siblings) but
/// twice the FMA units on an SMT machine. The one-core boost clock may exceed the all-core clock under FMA load,
/// which would make the % of peak an underestimate.
/// </summary>
internal static class FmaPeak
{
    public static (double GigaFlops, string Isa, double GigaHertz) Measure()
    {
        var gigaHertz = ClockGigaHertz();
        var (isa, lanes) = Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? ("AVX-512", 16)
            : Fma.IsSupported ? ("AVX2+FMA", 8) : ("SSE", 4);
        return (Environment.ProcessorCount * 2 * lanes * 2 * gigaHertz, isa, gigaHertz);
    }

    /// <summary>The best of 5 runs of 2·10⁸ dependent adds, after a warm-up that lets the core reach its boost clock.</summary>
    private static double ClockGigaHertz()
    {
        const long adds = 200_000_000;
        Chain(adds);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            Chain(adds);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return adds / best / 1e9;
    }

    /// <summary>
    /// Eight dependent one-cycle operations per iteration, adds and xors alternating so that no compiler can fold them;
    /// the loop's own counter runs beside the chain, so the chain sets the pace.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Chain(long adds)
    {
        long a = 1, b = 3, c = 0x5555;
        for (var i = 0L; i < adds; i += 8)
        {
            a += b; a ^= c; a += b; a ^= c;
            a += b; a ^= c; a += b; a ^= c;
        }
        return a;
    }
}
