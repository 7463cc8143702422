namespace Bert.Gpu.Weights.Safetensors;

/// <summary>One tensor listed in a safetensors header.</summary>
/// <param name="Name">Name as stored (prefix included).</param>
/// <param name="Dtype">Safetensors dtype code, e.g. <c>F32</c>.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Begin">Start of the data, relative to the data section.</param>
/// <param name="End">End (exclusive) of the data, relative to the data section.</param>
internal sealed record SafetensorsEntry(string Name, string Dtype, int[] Shape, long Begin, long End)
{
    /// <summary>Number of elements the shape describes.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>The shape as <c>[a,b]</c>, for messages.</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}
