namespace Bert.Gpu.Quantization.Files;

/// <summary>One tensor of a <c>.qbert</c> file as its header describes it; offsets are relative to the start of the data section.</summary>
public sealed class QbertEntry
{
    internal QbertEntry(string name, QbertDtype dtype, int[] shape, long elementCount, long begin, long end, long scaleBegin, long scaleEnd, byte[] sha256)
    {
        Name = name;
        Dtype = dtype;
        Shape = shape;
        ElementCount = elementCount;
        Begin = begin;
        End = end;
        ScaleBegin = scaleBegin;
        ScaleEnd = scaleEnd;
        Sha256 = sha256;
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>Its element type.</summary>
    public QbertDtype Dtype { get; }

    /// <summary>Its shape: <c>[rows, columns]</c> for I8, <c>[length]</c> for U8, any rank for F32.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The product of the shape.</summary>
    public long ElementCount { get; }

    /// <summary>First byte of the values.</summary>
    public long Begin { get; }

    /// <summary>One past the last byte of the values.</summary>
    public long End { get; }

    /// <summary>First byte of an I8 tensor's fp32 row scales (0 for the other dtypes).</summary>
    public long ScaleBegin { get; }

    /// <summary>One past the last byte of the scales (0 for the other dtypes).</summary>
    public long ScaleEnd { get; }

    /// <summary>SHA-256 of the values' bytes followed, for I8, by the scales' bytes.</summary>
    internal byte[] Sha256 { get; }

    /// <summary>The shape as the header writes it, for messages.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
