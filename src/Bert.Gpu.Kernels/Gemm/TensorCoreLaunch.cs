using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>The host side the tensor-core launchers share: tiling checks, the GEMMs' launch grid, device addresses.</summary>
internal static class TensorCoreLaunch
{
    /// <summary>Throws unless <paramref name="tiling"/> (null: chosen per launch, at most <see cref="TensorCoreTiling.Large"/>) fits the kernel and the accelerator.</summary>
    public static void Check(Accelerator accelerator, string kernel, TensorCoreTiling? tiling)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (tiling is { } t && (t.WarpsM <= 0 || t.WarpsN <= 0 || t.SharedBytes > TensorCoreTiling.MaxSharedBytes))
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {t} needs {t.SharedBytes} bytes of shared memory; the kernel allocates {TensorCoreTiling.MaxSharedBytes}.");
        KernelLimits.Check(accelerator, kernel, (tiling ?? TensorCoreTiling.Large).Threads, TensorCoreTiling.MaxSharedBytes / sizeof(float));
    }

    /// <summary>
    /// The grid of <paramref name="t"/>'s blocks over a <paramref name="rows"/> × <paramref name="outFeatures"/> output,
    /// times <paramref name="slices"/> K slices along z (split-K; 1 unsplit), groups 1-D.
    /// </summary>
    public static KernelConfig Config(TensorCoreTiling t, int rows, int outFeatures, int slices = 1) =>
        new(new Index3D(KernelLimits.Groups(outFeatures, t.TileN), KernelLimits.Groups(rows, t.TileM), slices), new Index3D(t.Threads, 1, 1));

    /// <summary>
    /// The device address a kernel's asm reads or writes <paramref name="view"/> at on CUDA (ILGPU 1.5.3 cannot take a
    /// view's address inside a kernel), checked to be <paramref name="alignment"/>-byte aligned (16 for <c>cp.async</c>'s
    /// chunks); 0 elsewhere, where the kernel reads the view itself.
    /// </summary>
    public static ulong GlobalAddress<T>(Accelerator accelerator, ArrayView<T> view, string name, int alignment = 16) where T : unmanaged
    {
        if (accelerator.AcceleratorType != AcceleratorType.Cuda)
            return 0;
        var address = (ulong)view.LoadEffectiveAddressAsPtr();
        if (address % (ulong)alignment != 0)
            throw new ArgumentException($"{name} starts at 0x{address:X}, not on the {alignment}-byte boundary the kernel's asm accesses need.", name);
        return address;
    }
}
