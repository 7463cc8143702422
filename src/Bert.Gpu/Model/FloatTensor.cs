namespace Bert.Gpu.Model;

/// <summary>A dense row-major fp32 tensor in host memory.</summary>
public sealed class FloatTensor
{
    /// <summary>Wraps <paramref name="data"/>; its length must equal the product of <paramref name="shape"/>.</summary>
    public FloatTensor(float[] data, params int[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Negative dimension in shape [{string.Join(",", shape)}].", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"Shape [{string.Join(",", shape)}] holds {count} values but {data.Length} were given.", nameof(data));
        Data = data;
        Shape = shape;
    }

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>True when the tensor has exactly these dimensions.</summary>
    public bool HasShape(params int[] shape) => Shape.AsSpan().SequenceEqual(shape);

    /// <summary>The multi-index of flat element <paramref name="index"/> as <c>[i,j]</c>, for messages.</summary>
    public string IndexText(long index)
    {
        var parts = new long[Shape.Length];
        for (var d = Shape.Length - 1; d >= 0; d--)
        {
            parts[d] = Shape[d] == 0 ? 0 : index % Shape[d];
            index = Shape[d] == 0 ? 0 : index / Shape[d];
        }
        return $"[{string.Join(",", parts)}]";
    }

    /// <summary>The shape as <c>[a,b]</c>, for messages.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}
