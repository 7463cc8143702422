namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// A decoded <c>GraphProto</c> with the lookups the importer walks: constant values by name (initializers and
/// Constant-node outputs alike), the node producing each value, and the nodes consuming it.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor> _constants = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="nodes"/> and <paramref name="initializers"/>.</summary>
    public OnnxGraph(IReadOnlyList<OnnxNode> nodes, IReadOnlyList<OnnxTensor> initializers)
    {
        Nodes = nodes;
        foreach (var t in initializers)
            _constants[t.Name] = t;
        foreach (var node in nodes)
        {
            foreach (var output in node.Outputs)
                _producers[output] = node;
            foreach (var input in node.Inputs)
            {
                if (!_consumers.TryGetValue(input, out var list))
                    _consumers[input] = list = [];
                list.Add(node);
            }
            if (node is { OpType: "Constant", Outputs: [var name] } && ConstantValue(node) is { } value)
                _constants[name] = value with { Name = name };
        }
    }

    /// <summary>The nodes in file (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Every constant value: initializers and Constant-node outputs.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Constants => _constants;

    /// <summary>The constant called <paramref name="name"/>, or null when the value is computed.</summary>
    public OnnxTensor? Constant(string name) => _constants.GetValueOrDefault(name);

    /// <summary>The node that computes <paramref name="name"/>, or null for graph inputs and constants.</summary>
    public OnnxNode? Producer(string name) => _producers.GetValueOrDefault(name);

    /// <summary>The nodes that read <paramref name="name"/>.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string name) => _consumers.TryGetValue(name, out var list) ? list : [];

    private static OnnxTensor? ConstantValue(OnnxNode node)
    {
        // Constant carries its value in exactly one of these attributes (opset 12 added the scalar and list forms).
        if (node.Attribute("value")?.T is { } t)
            return t;
        if (node.Attribute("value_float")?.F is { } f)
            return new OnnxTensor("", [], OnnxDataType.Float, [f], null, false);
        if (node.Attribute("value_floats") is { Floats: { Length: > 0 } fs })
            return new OnnxTensor("", [fs.Length], OnnxDataType.Float, fs, null, false);
        if (node.Attribute("value_int")?.I is { } i)
            return new OnnxTensor("", [], OnnxDataType.Int64, null, [i], false);
        if (node.Attribute("value_ints") is { Ints: { Length: > 0 } ints })
            return new OnnxTensor("", [ints.Length], OnnxDataType.Int64, null, ints, false);
        return null;
    }
}
