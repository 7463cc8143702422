using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// The micro-kernel <see cref="HostInt8Gemm"/> runs, chosen once per process (<see cref="HostInt8Gemm.Path"/>). Each has
/// its own file. Paths for AVX-VNNI (<c>vpdpbusd</c>, u8 activations with a 128·Σw correction) and AVX-512BW belong
/// here once a machine that has them can test them; the development machine (AMD Zen 3) has neither.
/// </summary>
internal enum HostInt8Path
{
    /// <summary><see cref="Vector128"/> arithmetic on int32 lanes: any CPU (<see cref="Int8PortableKernel"/>).</summary>
    Portable,

    /// <summary><c>vpmaddubsw</c> on |q| against sign-folded weights, exact (<see cref="Int8Avx2Kernel"/>).</summary>
    Avx2,
}

/// <summary>What each <see cref="HostInt8Path"/> needs and how it is named in device strings.</summary>
internal static class HostInt8Paths
{
    /// <summary>The fastest path this CPU supports.</summary>
    public static HostInt8Path Best() => Avx2.IsSupported ? HostInt8Path.Avx2 : HostInt8Path.Portable;

    public static bool IsSupported(HostInt8Path path) => path switch
    {
        HostInt8Path.Portable => true,
        HostInt8Path.Avx2 => Avx2.IsSupported,
        _ => false,
    };

    /// <summary>For a device name, e.g. <c>host (2 threads, AVX2+FMA, int8 AVX2)</c>.</summary>
    public static string Name(HostInt8Path path) => path switch
    {
        HostInt8Path.Avx2 => "int8 AVX2",
        _ => "int8 portable",
    };
}
