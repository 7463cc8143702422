namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// A decoded <c>TensorProto</c>: floating-point types widened to fp32 in <see cref="Floats"/>, integer types in
/// <see cref="Integers"/>; other types and external data keep only their description, for error messages.
/// </summary>
/// <param name="Name">Initializer name, or the output name of the Constant node that holds it.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="DataType">ONNX <c>TensorProto.DataType</c> code.</param>
/// <param name="Floats">Values of a FLOAT / FLOAT16 / BFLOAT16 tensor, row-major.</param>
/// <param name="Integers">Values of an INT32 / INT64 tensor, row-major.</param>
/// <param name="IsExternal">Data lives in a separate file, which this importer does not read.</param>
internal sealed record OnnxTensor(string Name, int[] Shape, int DataType, float[]? Floats, long[]? Integers, bool IsExternal)
{
    /// <summary>True for a single-element float tensor (rank 0 or 1).</summary>
    public bool IsFloatScalar => Floats is { Length: 1 } && Shape.Length <= 1;
}
