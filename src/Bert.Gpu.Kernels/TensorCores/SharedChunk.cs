using System.Runtime.InteropServices;

namespace Bert.Gpu.Kernels.TensorCores;

/// <summary>
/// Sixteen bytes, the unit of the tensor-core kernels' shared memory: ILGPU 1.5.3 aligns a static shared allocation to
/// its element type (<c>.shared .align 16 .b8 __shared_alloca0[…]</c> for this one, <c>.align 4</c> for floats), and
/// <c>cp.async</c>'s 16-byte copies and <c>ldmatrix</c>'s row addresses need 16-byte alignment. Kernels view the chunks as
/// <see cref="uint"/> or <see cref="float"/> through <c>Cast</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct SharedChunk
{
    /// <summary>Bytes 0–7 (never read as such: the struct only sizes and aligns the allocation).</summary>
    public long Low;

    /// <summary>Bytes 8–15.</summary>
    public long High;
}
