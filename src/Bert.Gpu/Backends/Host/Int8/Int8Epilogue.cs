using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// Turns a block's finished int32 sums for one panel into <c>act(acc·(scale_x·scale_w[c]) + b[c]) (+ r[c])</c> in Y:
/// the conversion, the product of the two scales and the fused multiply-add each round once, so
/// |y − exact| ≤ ~3·2⁻²⁴·|acc·scale_x·scale_w| + 2⁻²⁴·|y| before the activation. Shared by every path, so all paths give
/// the same bits.
/// </summary>
internal static unsafe class Int8Epilogue
{
    /// <summary>
    /// Sums <paramref name="acc"/> <c>[row][PanelWidth]</c> for rows <c>rowStart…</c> (one per scale), into Y
    /// <c>[·, n]</c> at columns <c>[col, col + cols)</c>. The activation gets its own pass: a call in the dequantizing loop (GELU
    /// does not inline) kept every vector on the stack, 1.85 cycles an element with no activation at all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int* acc, float* y, float* residual, int n, int rowStart, ReadOnlySpan<float> rowScales, HostInt8LinearWeights w,
        Activation activation, int col, int cols)
    {
        fixed (float* scales = w.Scales, bias = w.Bias)
        {
            for (var r = 0; r < rowScales.Length; r++, acc += HostInt8LinearWeights.PanelWidth)
            {
                var offset = (long)(rowStart + r) * n + col;
                var add = residual == null ? null : residual + offset;
                if (activation != Activation.None)
                {
                    Dequantize(acc, y + offset, null, rowScales[r], scales + col, bias + col, cols);
                    ActivateThenAdd(activation, y + offset, add, cols);
                }
                else
                {
                    Dequantize(acc, y + offset, add, rowScales[r], scales + col, bias + col, cols);
                }
            }
        }
    }

    /// <summary><c>y = acc·(scale_x·scale_w) + b (+ r)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dequantize(int* acc, float* y, float* add, float rowScale, float* scales, float* bias, int cols)
    {
        var sx = Vector256.Create(rowScale);
        var c = 0;
        for (; c + Vector256<float>.Count <= cols; c += Vector256<float>.Count)
        {
            var v = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Vector256.Load(acc + c)), sx * Vector256.Load(scales + c),
                Vector256.Load(bias + c));
            if (add != null)
                v += Vector256.Load(add + c);
            v.Store(y + c);
        }
        for (; c < cols; c++)
        {
            var v = MathF.FusedMultiplyAdd(acc[c], rowScale * scales[c], bias[c]);
            y[c] = add != null ? v + add[c] : v;
        }
    }

    /// <summary><c>y = act(y) (+ r)</c>.</summary>
    private static void ActivateThenAdd(Activation activation, float* y, float* add, int cols)
    {
        var c = 0;
        for (; c + Vector256<float>.Count <= cols; c += Vector256<float>.Count)
        {
            var v = VectorActivation.Apply(activation, Vector256.Load(y + c));
            if (add != null)
                v += Vector256.Load(add + c);
            v.Store(y + c);
        }
        for (; c < cols; c++)
        {
            var g = VectorActivation.Apply(activation, y[c]);
            y[c] = add != null ? g + add[c] : g;
        }
    }
}
