using Bert.Gpu.Kernels.Reductions;
using Bert.Gpu.Kernels.TensorCores;
using ILGPU;

namespace Bert.Gpu.Kernels.Normalization;

/// <summary>
/// The LayerNorm of one row, in place, computed by one group (device code shared by the LayerNorm kernels). Two-pass fp32
/// statistics — the mean (corrected by a second sum), then the mean of squared deviations — each summed through
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
        // The corrected two-pass mean: add back what the first sum's roundings lost. A constant row (variance 0) must
        // come out as β, but its fp32 mean is typically an ulp or more off (the host's 8-lane sum puts a row of 1234.567
        // at 1234.5665), and 1/√(variance + ε) turns that deviation into ±1 whenever it exceeds √ε (1e-6 for BERT's
        // ε = 1e-12): β ± γ. The deviations from the rounded mean are exact, and their mean lands it on the row's value.
        var residue = 0f;
        for (var c = t; c < width; c += threads)
            residue += row[c] - mean;
        mean += GroupSum.Sum(residue) / width;
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
    /// Writes <paramref name="row"/> as fp16 bits (<see cref="HalfBits.FromFloat"/>, nearest even) into
    /// <paramref name="halves"/>: the next fp16 GEMM's input beside the fp32 row the residual stream keeps. Like
    /// <see cref="Normalize"/>, each thread reads only the columns it wrote, so no barrier is needed after it.
    /// </summary>
    public static void WriteHalves(ArrayView<float> row, int width, ArrayView<ushort> halves)
    {
        for (var c = Group.IdxX; c < width; c += Group.DimX)
            halves[c] = (ushort)HalfBits.FromFloat(row[c]);
    }

    /// <summary>
    /// Threads per row: 128 on GPUs and OpenCL devices (BERT's hidden widths are 256–1024), 32 on ILGPU's CPU emulator.
    /// </summary>
    public static int GroupSize(ILGPU.Runtime.Accelerator accelerator) =>
        accelerator.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU ? 32 : 128;
}
