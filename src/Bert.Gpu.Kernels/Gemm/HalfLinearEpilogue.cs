using Bert.Gpu.Kernels.Math;
using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// What the fp16 GEMM does with an output element's fp32 sum, in one place for the two kernels that finish one:
/// <see cref="HalfLinearKernel"/> (its fused epilogue, one K slice) and <see cref="SplitKReduceKernel"/> (after summing
/// the slices' partials), so that splitting K changes only the order of the fp32 additions, never the epilogue.
/// </summary>
/// <param name="Activation">An <see cref="Activations"/> code, applied after the bias.</param>
/// <param name="HasBias">1 when a bias is added, 0 when the bias view is a stand-in.</param>
/// <param name="AddResidual">1 when an fp32 residual is added last.</param>
/// <param name="WriteHalf">1 when the fp16 output is written.</param>
/// <param name="WriteFloat">1 when the fp32 output is written.</param>
internal readonly record struct HalfLinearEpilogue(int Activation, int HasBias, int AddResidual, int WriteHalf, int WriteFloat)
{
    /// <summary>
    /// The flags for the optional views a launcher was given, after checking them against the <paramref name="rows"/> ×
    /// <paramref name="outFeatures"/> output: at least one output, each view's length, a known activation.
    /// </summary>
    public static HalfLinearEpilogue Of(int rows, int outFeatures, int activation, ArrayView<float>? bias, ArrayView<float>? residual,
        ArrayView<ushort>? y, ArrayView<float>? yFloat)
    {
        if (y is null && yFloat is null)
            throw new ArgumentException("Neither an fp16 output (y) nor an fp32 one (yFloat) was given; pass at least one.", nameof(y));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        var output = $"[{rows}, {outFeatures}]";
        if (bias is { } b)
            Shapes.Require(b, outFeatures, nameof(bias), $"[{outFeatures}]");
        if (y is { } half)
            Shapes.Require(half, (long)rows * outFeatures, nameof(y), output);
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), output);
        if (yFloat is { } f)
            Shapes.Require(f, (long)rows * outFeatures, nameof(yFloat), output);
        Activations.Check(activation);
        return new(activation, bias is null ? 0 : 1, residual is null ? 0 : 1, y is null ? 0 : 1, yFloat is null ? 0 : 1);
    }

    /// <summary>
    /// Output element <paramref name="index"/> (column <paramref name="col"/>) from its accumulated <paramref name="sum"/>:
    /// bias, activation and residual in fp32, then rounded to fp16 (nearest even) and/or stored as fp32. The residual is
    /// read before either store, so it may be the fp32 output itself.
    /// </summary>
    public void Store(float sum, int index, int col, ArrayView<float> bias, ArrayView<float> residual, ArrayView<ushort> y, ArrayView<float> yFloat)
    {
        var v = sum;
        if (HasBias != 0)
            v += bias[col];
        v = Activations.Apply(Activation, v);
        if (AddResidual != 0)
            v += residual[index];
        if (WriteHalf != 0)
            y[index] = (ushort)HalfBits.FromFloat(v);
        if (WriteFloat != 0)
            yFloat[index] = v;
    }
}
