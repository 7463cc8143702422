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
    public static void Row(float* y, float* residual, float rowScale, HostInt8LinearWeights w, Activation activation, int colStart, int colEnd)
    {
        var acc = (int*)y;
        fixed (float* scales = w.Scales, bias = w.Bias)
        {
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
}
