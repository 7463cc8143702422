using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bert.Gpu.Backends.Host.Fp32;

/// <summary>
/// The micro-kernel <see cref="HostGemm"/> runs, one file each, all over the same packed panels
/// (<see cref="HostLinearWeights"/>) and all accumulating each output in the same order (bias first, then k = 0, 1, …
/// with one fused multiply-add per step), so every path that has FMA gives the same bits.
/// </summary>
internal enum HostFp32Path
{
    /// <summary><see cref="Vector128"/> on 4 × 16 tiles (<see cref="Fp32PortableKernel"/>): SSE, NEON, any CPU.</summary>
    Portable,

    /// <summary>Vector256 + FMA on 6 × 16 tiles (<see cref="Fp32Avx2Kernel"/>).</summary>
    Avx2,

    /// <summary>Vector512 on 12 × 32 tiles (<see cref="Fp32Avx512Kernel"/>).</summary>
    Avx512,
}

/// <summary>Which <see cref="HostFp32Path"/> this CPU can run, which one runs, and their names.</summary>
internal static class HostFp32Paths
{
    /// <summary>
    /// Forces a path: <c>avx512</c>, <c>avx2</c> or <c>portable</c> (to measure the path a machine would not pick, e.g.
    /// AVX2 on an AVX-512 machine; <c>DOTNET_EnableAVX512F=0</c> does the same for the runtime as a whole).
    /// </summary>
    public const string EnvironmentVariable = "BERT_GPU_HOST_ISA";

    /// <summary>The fastest path this CPU supports.</summary>
    public static HostFp32Path Best() =>
        IsSupported(HostFp32Path.Avx512) ? HostFp32Path.Avx512 : IsSupported(HostFp32Path.Avx2) ? HostFp32Path.Avx2 : HostFp32Path.Portable;

    /// <summary>
    /// Whether the hardware runs <paramref name="path"/> natively. (Every path computes correctly anywhere — .NET emulates
    /// wide vectors it cannot run — but an emulated Vector512 runs orders of magnitude slower than native code.)
    /// </summary>
    public static bool IsSupported(HostFp32Path path) => path switch
    {
        HostFp32Path.Portable => true,
        HostFp32Path.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        HostFp32Path.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary><see cref="EnvironmentVariable"/>'s path if set, else <see cref="Best"/>.</summary>
    /// <exception cref="BackendUnavailableException">The variable names no path, or one this CPU cannot run.</exception>
    public static HostFp32Path Selected()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(value))
            return Best();
        HostFp32Path? path = value.Trim().ToLowerInvariant() switch
        {
            "avx512" or "avx-512" => HostFp32Path.Avx512,
            "avx2" => HostFp32Path.Avx2,
            "portable" => HostFp32Path.Portable,
            _ => null,
        };
        if (path is not { } chosen)
            throw new BackendUnavailableException($"{EnvironmentVariable}='{value}' names no host path; use avx512, avx2 or portable, or unset it to pick the best one ({Name(Best())}).");
        if (!IsSupported(chosen))
            throw new BackendUnavailableException($"{EnvironmentVariable}={value}: this CPU cannot run the {Name(chosen)} path natively; the best it has is {Name(Best())}.");
        return chosen;
    }

    /// <summary>For a device name, e.g. <c>host (2 threads, AVX2+FMA, int8 AVX2)</c>.</summary>
    public static string Name(HostFp32Path path) => path switch
    {
        HostFp32Path.Avx512 => "AVX-512",
        HostFp32Path.Avx2 => "AVX2+FMA",
        _ => "portable Vector128",
    };

    /// <summary>fp32 lanes of one vector of the path, for the FMA peak.</summary>
    public static int Lanes(HostFp32Path path) => path switch
    {
        HostFp32Path.Avx512 => 16,
        HostFp32Path.Avx2 => 8,
        _ => 4,
    };

    /// <summary>
    /// K steps per slice: the slice of the panels one micro-tile reads must stay in the 32 KB L1 while every micro-tile
    /// of the row block streams it. AVX2 and portable read one panel: 256 × 16 floats = 16 KB. AVX-512 reads two panels
    /// at once: 128 × 32 floats = 16 KB (not tuned on hardware: no AVX-512 machine has run it yet).
    /// </summary>
    public static int DepthPerSlice(HostFp32Path path) => path == HostFp32Path.Avx512 ? 128 : 256;

    /// <summary>Accumulates <c>rows × 16·panels</c> of Y over one K slice (the contract of each kernel's <c>Block</c>).</summary>
    /// <param name="path">The kernel.</param>
    /// <param name="x">
    /// The first row's first value of this slice; rows <paramref name="ldx"/> apart. (Packing X's rows into [k][rows]
    /// tiles, as BLIS does, measured 2–8% slower on Zen 3: the broadcasts already come from L1, and the packing pass
    /// costs most where N is small, e.g. MiniLM's FFN-out, 384 columns.)
    /// </param>
    /// <param name="ldx">Row stride of X (its K).</param>
    /// <param name="depth">K steps in this slice.</param>
    /// <param name="w">The first panel's slice; panels <paramref name="panelStride"/> floats apart.</param>
    /// <param name="panelStride">Floats from one panel to the next (K × 16).</param>
    /// <param name="bias">The first panel's 16 bias values, then the next panel's.</param>
    /// <param name="y">The first row's first output; rows <paramref name="ldy"/> apart; 16·panels columns all written.</param>
    /// <param name="ldy">Row stride of Y.</param>
    /// <param name="first">The first slice: start from the bias, not from the partial sums in Y.</param>
    /// <param name="rows">Rows of the block.</param>
    /// <param name="panels">Full panels of the block.</param>
    public static unsafe void Block(HostFp32Path path, float* x, int ldx, int depth, float* w, long panelStride, float* bias,
        float* y, int ldy, bool first, int rows, int panels)
    {
        switch (path)
        {
            case HostFp32Path.Avx512:
                Fp32Avx512Kernel.Block(x, ldx, depth, w, panelStride, bias, y, ldy, first, rows, panels);
                break;
            case HostFp32Path.Avx2:
                Fp32Avx2Kernel.Block(x, ldx, depth, w, panelStride, bias, y, ldy, first, rows, panels);
                break;
            default:
                Fp32PortableKernel.Block(x, ldx, depth, w, panelStride, bias, y, ldy, first, rows, panels);
                break;
        }
    }
}
