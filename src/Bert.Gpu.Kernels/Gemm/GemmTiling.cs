using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// How <see cref="LinearKernel"/> splits its output: a group of <see cref="ThreadsX"/>×<see cref="ThreadsY"/> threads
/// computes a <see cref="TileM"/>×<see cref="TileN"/> block, each thread a 4×4 register micro-tile, walking K in
/// slices of <see cref="TileK"/> staged in shared memory. <see cref="Int8LinearKernel"/> splits its work the same way,
/// with K counted in packed 32-bit words of four int8 values (shared slots are 4 bytes either way).
/// </summary>
/// <param name="ThreadsX">Threads along the output columns.</param>
/// <param name="ThreadsY">Threads along the output rows.</param>
/// <param name="TileK">Depth of the shared-memory slices of X and W.</param>
public readonly record struct GemmTiling(int ThreadsX, int ThreadsY, int TileK)
{
    /// <summary>Rows and columns of each thread's register tile; the kernel is unrolled by hand for exactly this size.</summary>
    public const int MicroTile = 4;

    /// <summary>Output rows per group.</summary>
    public int TileM => ThreadsY * MicroTile;

    /// <summary>Output columns per group.</summary>
    public int TileN => ThreadsX * MicroTile;

    /// <summary>Threads per group.</summary>
    public int Threads => ThreadsX * ThreadsY;

    /// <summary>
    /// Shared memory per group in floats: the X slice stored k-major <c>[TileK][TileM + 1]</c> and the W slice
    /// <c>[TileK][TileN + 1]</c>; the extra column makes the transposing stores hit distinct banks.
    /// </summary>
    public int SharedFloats => TileK * (TileM + 1) + TileK * (TileN + 1);

    /// <summary>
    /// Shared memory the kernel allocates statically: the largest <see cref="SharedFloats"/> of the tilings below.
    /// Static, not dynamic, because PoCL 6 let concurrently running work-groups clobber each other's dynamic local
    /// memory (seen in the OpenCL lane as wrong rows once a GEMM had several groups and several K slices).
    /// </summary>
    public const int MaxSharedFloats = 16 * (64 + 1) * 2;

    /// <summary>64×64 blocks of 256 threads with 16-deep slices (8.3 KB of shared memory): what GPUs and OpenCL devices get.</summary>
    public static GemmTiling Device { get; } = new(16, 16, 16);

    /// <summary>32×32 blocks of 64 threads: ILGPU's CPU emulator, where every thread is an OS thread and a barrier costs milliseconds.</summary>
    public static GemmTiling Emulator { get; } = new(8, 8, 8);

    /// <summary><see cref="Emulator"/> on ILGPU's CPU emulator, <see cref="Device"/> everywhere else.</summary>
    public static GemmTiling For(Accelerator accelerator) =>
        accelerator.AcceleratorType == AcceleratorType.CPU ? Emulator : Device;
}
