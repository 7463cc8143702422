namespace Bert.Gpu.Weights.Onnx;

/// <summary>A decoded <c>AttributeProto</c>; only the fields present in the file are non-null or non-empty.</summary>
/// <param name="Name">Attribute name, e.g. <c>epsilon</c>.</param>
/// <param name="F">Single float value.</param>
/// <param name="I">Single integer value.</param>
/// <param name="S">String value.</param>
/// <param name="T">Tensor value (Constant nodes).</param>
/// <param name="Floats">Repeated float values.</param>
/// <param name="Ints">Repeated integer values.</param>
internal sealed record OnnxAttribute(string Name, float? F, long? I, string? S, OnnxTensor? T, float[] Floats, long[] Ints);
