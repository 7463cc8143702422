using Bert.Gpu.Kernels.Reductions;
using ILGPU;

namespace Bert.Gpu.Kernels.Normalization;

/// <summary>
/// The LayerNorm of one row, in place, computed by one group (device code shared by the LayerNorm kernels). Two-pass fp32 statistics — the mean, then the mean of squared deviations — each summed through
/// <see cref="GroupSum"/>, so the result is bit-for-bit reproducible.
/// </summary>
internal static class RowLayerNorm
{
    /// <summary>
    /// Replaces <paramref name="row"/> by <c>(row − mean)/√(variance + ε)·γ + β</c>. Thread <c>t</c> must have written
    /// columns <c>t, t + Group.DimX, …</c> of <paramref name="row"/> itself: each thread only reads back its own columns,
    /// so no barrier is needed between staging and this call, and the row can be staged in its own output.
    /// </summary>
    public static void Normalize(ArrayView<float> row, int width, ArrayView<float> gamma, ArrayView<float> beta, float epsilon)
    {
        int t = Group.IdxX, threads = Group.DimX;
        var sum = 0f;
        for (var c = t; c < width; c += threads)
            sum += row[c];
        var mean = GroupSum.Sum(sum) / width;
        var squares = 0f;
        for (var c = t; c < width; c += threads)
        {
            var deviation = row[c] - mean;
            squares += deviation * deviation;
        }
        var variance = GroupSum.Sum(squares) / width;
        var scale = 1f / MathF.Sqrt(variance + epsilon);
        for (var c = t; c < width; c += threads)
            row[c] = (row[c] - mean) * scale * gamma[c] + beta[c];
    }

    /// <summary>
    /// Threads per row: 128 on GPUs and OpenCL devices (BERT's hidden widths are 256–1024), 32 on ILGPU's CPU emulator.
    /// </summary>
    public static int GroupSize(ILGPU.Runtime.Accelerator accelerator) =>
        accelerator.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU ? 32 : 128;
}
