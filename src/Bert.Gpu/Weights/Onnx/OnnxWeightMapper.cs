using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// Gives every encoder tensor of an ONNX graph its canonical name and PyTorch layout. Exporters keep the names of
/// biases, LayerNorm and embedding tensors, but fold each Linear weight into an anonymous <c>[in, out]</c> initializer
/// (e.g. <c>onnx::MatMul_788</c>) read by <c>MatMul(x, W)</c>; such a weight is named after the bias its MatMul's
/// result is added to (<c>...query.bias</c> → <c>...query.weight</c>) and transposed once to <c>[out, in]</c>.
/// </summary>
internal static class OnnxWeightMapper
{
    /// <summary>The encoder tensors of <paramref name="graph"/> under canonical names.</summary>
    /// <param name="graph">The decoded graph.</param>
    /// <param name="source">File name for messages.</param>
    /// <exception cref="ModelFormatException">An encoder tensor is stored externally or in an unsupported type.</exception>
    public static Dictionary<string, FloatTensor> Map(OnnxGraph graph, string source)
    {
        var tensors = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var (storedName, tensor) in graph.Constants)
        {
            var name = TensorNaming.Canonical(storedName);
            if (TensorNaming.IsEncoderTensor(name) && (tensor.Floats is not null || TensorNaming.IsParameter(name)))
                tensors[name] = AsFloat(tensor, name, source);
        }
        foreach (var node in graph.Nodes)
        {
            if (node is { OpType: "MatMul", Inputs: [_, var weight] })
                AddLinear(graph, node, weight, storedTransposed: false, source, tensors);
            else if (node is { OpType: "Gemm", Inputs: [_, var gemmWeight, ..] })
                AddLinear(graph, node, gemmWeight, storedTransposed: node.Attribute("transB")?.I == 1, source, tensors);
        }
        return tensors;
    }

    /// <summary>Records the weight of one Linear layer, if <paramref name="weightInput"/> is a constant matrix the layer can be named from.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="node">The MatMul or Gemm node.</param>
    /// <param name="weightInput">The node's second input.</param>
    /// <param name="storedTransposed">The node reads its weight as <c>[out, in]</c> (Gemm with transB = 1).</param>
    /// <param name="source">File name for messages.</param>
    /// <param name="tensors">Where to record the weight.</param>
    private static void AddLinear(OnnxGraph graph, OnnxNode node, string weightInput, bool storedTransposed, string source, Dictionary<string, FloatTensor> tensors)
    {
        var constant = graph.Constant(weightInput);
        // Some exporters keep the [out, in] parameter and insert Transpose(perm = [1, 0]) in front of the MatMul.
        if (constant is null && graph.Producer(weightInput) is { OpType: "Transpose", Inputs: [var transposed] } t
            && t.Attribute("perm") is null or { Ints: [1, 0] })
        {
            constant = graph.Constant(transposed);
            storedTransposed = !storedTransposed;
        }
        if (constant is not { Shape.Length: 2 })
            return;
        var name = WeightName(graph, node, constant);
        if (name is null)
            return;
        var matrix = AsFloat(constant, name, source);
        tensors[name] = storedTransposed
            ? matrix
            : new FloatTensor(Transpose(matrix.Data, matrix.Shape[0], matrix.Shape[1]), matrix.Shape[1], matrix.Shape[0]);
    }

    private static string? WeightName(OnnxGraph graph, OnnxNode node, OnnxTensor weight)
    {
        var own = TensorNaming.Canonical(weight.Name);
        if (TensorNaming.IsEncoderTensor(own) && own.EndsWith(".weight", StringComparison.Ordinal))
            return own;
        // A node without an output (a corrupt file) has no bias Add to be named from.
        var bias = node.OpType == "Gemm" && node.Inputs.Length > 2
            ? node.Inputs[2]
            : node.Outputs is [var output, ..]
                ? graph.Consumers(output)
                    .Where(c => c.OpType == "Add")
                    .SelectMany(c => c.Inputs)
                    .FirstOrDefault(i => i != output && graph.Constant(i) is not null)
                : null;
        if (bias is null)
            return null;
        var biasName = TensorNaming.Canonical(bias);
        return TensorNaming.IsEncoderTensor(biasName) && biasName.EndsWith(".bias", StringComparison.Ordinal)
            ? biasName[..^".bias".Length] + ".weight"
            : null;
    }

    private static FloatTensor AsFloat(OnnxTensor tensor, string name, string source)
    {
        if (tensor.IsExternal)
            throw new ModelFormatException(source, $"tensor '{name}' (stored as '{tensor.Name}') keeps its data in an external file, which is not supported; save the model with all tensors inside the .onnx file.");
        return tensor.Floats is { } floats
            ? new FloatTensor(floats, tensor.Shape)
            : throw new ModelFormatException(source, $"tensor '{name}' (stored as '{tensor.Name}') has data type {OnnxDataType.Name(tensor.DataType)}; only FLOAT, FLOAT16 and BFLOAT16 weights can be imported.");
    }

    /// <summary>Returns the <c>[cols, rows]</c> transpose of a row-major <c>[rows, cols]</c> matrix.</summary>
    internal static float[] Transpose(float[] matrix, int rows, int cols)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                result[c * rows + r] = matrix[r * cols + c];
        return result;
    }
}
