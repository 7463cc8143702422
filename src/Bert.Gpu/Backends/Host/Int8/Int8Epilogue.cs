using System.Runtime.Intrinsics;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// Turns a finished row of int32 sums (held in Y's memory) into <c>act(acc·(scale_x·scale_w[c]) + b[c]) (+ r[c])</c>
/// in place: the conversion, the product of the two scales and the fused multiply-add each round once, so
/// |y − exact| ≤ ~3·2⁻²⁴·|acc·scale_x·scale_w| + 2⁻²⁴·|y| before the activation. Shared by every path, so all paths give
/// the same bits.
/// </summary>
internal static unsafe class Int8Epilogue
{
    /// <summary>Rows <c>rowStart…</c> (one per scale) of Y <c>[·, n]</c>, columns <c>[colStart, colEnd)</c>.</summary>
    public static void Tile(float* y, float* residual, int n, int rowStart, ReadOnlySpan<float> rowScales, HostInt8LinearWeights w,
        Activation activation, int colStart, int colEnd)
    {
        fixed (float* scales = w.Scales, bias = w.Bias)
        {
            for (var r = 0; r < rowScales.Length; r++)
            {
                var offset = (long)(rowStart + r) * n;
                Row(y + offset, residual == null ? null : residual + offset, rowScales[r], scales, bias, activation, colStart, colEnd);
            }
        }
    }

    private static void Row(float* y, float* residual, float rowScale, float* scales, float* bias, Activation activation, int colStart, int colEnd)
    {
        var acc = (int*)y;
        var c = colStart;
        var sx = Vector256.Create(rowScale);
        for (; c + Vector256<float>.Count <= colEnd; c += Vector256<float>.Count)
        {
            var v = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Vector256.Load(acc + c)), sx * Vector256.Load(scales + c),
                Vector256.Load(bias + c));
            if (activation == Activation.Gelu)
                v = VectorGelu.Apply(v);
            if (residual != null)
                v += Vector256.Load(residual + c);
            v.Store(y + c);
        }
        for (; c < colEnd; c++)
        {
            var v = MathF.FusedMultiplyAdd(acc[c], rowScale * scales[c], bias[c]);
            if (activation == Activation.Gelu)
                v = Gelu.Apply(v);
            y[c] = residual != null ? v + residual[c] : v;
        }
    }
}
