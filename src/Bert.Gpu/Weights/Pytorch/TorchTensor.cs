namespace Bert.Gpu.Weights.Pytorch;

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a strided view into a storage, starting
/// <paramref name="Offset"/> elements in. Transposes and slices are saved this way, so the view is materialized here.
/// </summary>
/// <param name="Storage">The storage it views (shared by tied weights and slices of one tensor).</param>
/// <param name="Offset">Index of element [0,…,0] in the storage.</param>
/// <param name="Shape">Dimensions, outermost first; the unpickler keeps their product below 2^56.</param>
/// <param name="Stride">Storage elements between neighbours along each dimension; non-negative.</param>
internal sealed record TorchTensor(TorchStorage Storage, long Offset, int[] Shape, long[] Stride)
{
    /// <summary>Number of elements the shape describes.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>
    /// Storage index of the view's farthest element, for a non-empty view. Int128: a corrupt stride near 2^63 times a
    /// dimension near 2^31 must not wrap around to an index that passes the bounds check.
    /// </summary>
    public Int128 LastElement
    {
        get
        {
            Int128 last = Offset;
            for (var d = 0; d < Shape.Length; d++)
                last += (Int128)(Shape[d] - 1) * Stride[d];
            return last;
        }
    }

    /// <summary>True when the view is the storage's elements in row-major order (size-1 dimensions may have any stride).</summary>
    public bool IsRowMajor
    {
        get
        {
            long expected = 1;
            for (var d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Stride[d] != expected)
                    return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>The shape as <c>[a,b]</c>, for messages.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";

    /// <summary>The strides as <c>(a,b)</c>, for messages.</summary>
    public string StrideText => $"({string.Join(",", Stride)})";

    /// <summary>
    /// The view's elements in row-major order, from <paramref name="span"/>: the storage's values from <see cref="Offset"/>
    /// through <see cref="LastElement"/>.
    /// </summary>
    public float[] Gather(float[] span)
    {
        var values = new float[ElementCount];
        if (values.Length == 0)
            return values;
        var index = new int[Shape.Length];
        long at = 0;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = span[at];
            // Odometer over the multi-index: step the innermost dimension, carrying into the outer ones.
            for (var d = Shape.Length - 1; d >= 0; d--)
            {
                at += Stride[d];
                if (++index[d] < Shape[d])
                    break;
                at -= Stride[d] * Shape[d];
                index[d] = 0;
            }
        }
        return values;
    }
}
