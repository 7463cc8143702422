namespace Bert.Gpu.Weights.Onnx;

/// <summary>A decoded <c>NodeProto</c>.</summary>
/// <param name="OpType">Operator, e.g. <c>MatMul</c>.</param>
/// <param name="Name">Node name (may be empty).</param>
/// <param name="Inputs">Input value names; an empty string is an omitted optional input.</param>
/// <param name="Outputs">Output value names.</param>
/// <param name="Attributes">Attributes by name.</param>
internal sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.TryGetValue(name, out var a) ? a : null;
}
