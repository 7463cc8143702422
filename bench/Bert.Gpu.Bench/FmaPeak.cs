using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bert.Gpu.Backends.Host.Fp32;

namespace Bert.Gpu.Bench;

/// <summary>
/// The fp32 FMA peak the GFLOP/s columns are held to: cores × FMA pipes × lanes × 2 × clock, for the lanes of a GEMM path
/// (<see cref="HostFp32Path"/>: 16 for AVX-512, 8 for AVX2, 4 for portable Vector128). The clock is measured, not
/// read from /proc/cpuinfo (which shows the base, 2.45 GHz on machine A, while the cores boost): a chain of dependent
/// integer adds and xors retires one per cycle on every x86 core, so adds per second on one busy core is its clock.
/// Two FMA pipes is what current x86 cores have (Zen 2–5, Skylake and later); the lanes are the ISA's. Cores are
/// <see cref="Environment.ProcessorCount"/>: logical processors, right for machine A (2 vCPUs, no SMT siblings) but
/// twice the FMA units on an SMT machine. The one-core boost clock may exceed the all-core clock under FMA load,
/// which would make the % of peak an underestimate. The pipe count is checked, not only assumed: <see cref="FmasPerCycle"/>
/// times ten independent FMA chains of the path's width on one core (a core that splits 512-bit FMAs in two, as Zen 4
/// does, shows 1 there, and the peak would then be half the assumed one).
/// </summary>
internal static class FmaPeak
{
    public static (double GigaFlops, string Isa, double GigaHertz) Measure(HostFp32Path path)
    {
        var gigaHertz = ClockGigaHertz();
        var lanes = HostFp32Paths.Lanes(path);
        return (Environment.ProcessorCount * 2 * lanes * 2 * gigaHertz, HostFp32Paths.Name(path), gigaHertz);
    }

    /// <summary>Vector FMAs of <paramref name="path"/>'s width one core retires per cycle: the best of 5 runs of 10 chains × 10⁷.</summary>
    public static double FmasPerCycle(HostFp32Path path, double gigaHertz)
    {
        const long steps = 10_000_000;
        Func<long, float> chains = path switch
        {
            HostFp32Path.Avx512 => Chains512,
            HostFp32Path.Avx2 => Chains256,
            _ => Chains128,
        };
        chains(steps / 10);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            chains(steps);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 10 * steps / best / (gigaHertz * 1e9);
    }

    // Ten accumulators: more than latency (4 cycles) × pipes (2), so the pipes, not the chains, set the pace.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains512(long steps)
    {
        var m = Vector512.Create(0.999f);
        var a = Vector512.Create(1e-3f);
        Vector512<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m;
        for (var i = 0L; i < steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains256(long steps)
    {
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(1e-3f);
        Vector256<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m;
        for (var i = 0L; i < steps; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains128(long steps)
    {
        var m = Vector128.Create(0.999f);
        var a = Vector128.Create(1e-3f);
        Vector128<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m;
        for (var i = 0L; i < steps; i++)
        {
            c0 = Vector128.MultiplyAddEstimate(c0, m, a); c1 = Vector128.MultiplyAddEstimate(c1, m, a);
            c2 = Vector128.MultiplyAddEstimate(c2, m, a); c3 = Vector128.MultiplyAddEstimate(c3, m, a);
            c4 = Vector128.MultiplyAddEstimate(c4, m, a); c5 = Vector128.MultiplyAddEstimate(c5, m, a);
            c6 = Vector128.MultiplyAddEstimate(c6, m, a); c7 = Vector128.MultiplyAddEstimate(c7, m, a);
            c8 = Vector128.MultiplyAddEstimate(c8, m, a); c9 = Vector128.MultiplyAddEstimate(c9, m, a);
        }
        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9);
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
