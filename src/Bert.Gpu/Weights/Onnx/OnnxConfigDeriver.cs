using System.Text.RegularExpressions;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Onnx;

/// <summary>
/// Recovers a <see cref="BertConfig"/> from an exported BERT graph, which carries no config.json: sizes from the
/// tensor shapes, the head count from the constant shape of the attention Reshape (<c>[B, S, heads, head_dim]</c>,
/// built by Concat from two constant dims in PyTorch exports) or else from the <c>sqrt(head_dim)</c> score scale,
/// LayerNorm epsilon from LayerNormalization's attribute or the constant added to the variance before Sqrt, and the
/// activation from the presence of Erf.
/// </summary>
internal static partial class OnnxConfigDeriver
{
    /// <summary>Derives the configuration of the encoder in <paramref name="graph"/>.</summary>
    /// <param name="graph">The decoded graph.</param>
    /// <param name="tensors">Its tensors under canonical names.</param>
    /// <param name="source">File name for messages.</param>
    /// <exception cref="ModelFormatException">The graph is not a recognizable BERT encoder.</exception>
    public static BertConfig Derive(OnnxGraph graph, IReadOnlyDictionary<string, FloatTensor> tensors, string source)
    {
        var words = Get(tensors, BertTensorNames.WordEmbeddings, 2, source);
        var hidden = words.Shape[1];
        var layers = tensors.Keys
            .Select(k => LayerIndex().Match(k))
            .Where(m => m.Success)
            .Select(m => int.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < int.MaxValue
                ? index + 1
                : throw new ModelFormatException(source, $"tensor '{m.Value}…' has layer index {m.Groups[1].Value}, which is too large; the graph is corrupt."))
            .DefaultIfEmpty(0)
            .Max();
        if (layers == 0)
            throw new ModelFormatException(source, "no 'encoder.layer.N.*' tensors; this is not a BERT encoder graph.");
        var intermediate = Get(tensors, BertTensorNames.Layer(0) + BertTensorNames.LayerPart.Intermediate + ".bias", 1, source).Shape[0];
        var config = new BertConfig(
            VocabSize: words.Shape[0],
            HiddenSize: hidden,
            NumLayers: layers,
            NumHeads: HeadsFromReshape(graph, hidden) ?? HeadsFromScale(graph, hidden)
                ?? throw new ModelFormatException(source, "cannot find the number of attention heads: no Reshape to [batch, seq, heads, head_dim] and no 1/sqrt(head_dim) score scaling in the graph."),
            IntermediateSize: intermediate,
            MaxPositionEmbeddings: Get(tensors, BertTensorNames.PositionEmbeddings, 2, source).Shape[0],
            TypeVocabSize: Get(tensors, BertTensorNames.TokenTypeEmbeddings, 2, source).Shape[0],
            LayerNormEps: Epsilon(graph)
                ?? throw new ModelFormatException(source, "cannot find the LayerNorm epsilon: no LayerNormalization node and no Sqrt(ReduceMean(...) + epsilon) pattern."),
            HiddenAct: Activation(graph)
                ?? throw new ModelFormatException(source, "the feed-forward activation is not the exact GELU (no Erf or Gelu node); only erf-GELU BERT models are supported."));
        config.Validate(source);
        return config;
    }

    // ASCII digits only: \d would also match other scripts' digits, which int.TryParse refuses.
    [GeneratedRegex(@"^encoder\.layer\.([0-9]+)\.")]
    private static partial Regex LayerIndex();

    private static FloatTensor Get(IReadOnlyDictionary<string, FloatTensor> tensors, string name, int rank, string source)
    {
        if (!tensors.TryGetValue(name, out var t))
            throw new ModelFormatException(source, $"no initializer '{name}' (with or without a 'bert.' prefix); this is not a BERT encoder exported from HuggingFace, or its names were lost in optimization. Export the unoptimized PyTorch graph.");
        if (t.Shape.Length != rank)
            throw new ModelFormatException(source, $"tensor '{name}' has shape {t.ShapeText}; expected rank {rank}.");
        return t;
    }

    /// <summary>Heads from any Reshape whose target shape has four entries ending in constants <c>heads, head_dim</c> with <c>heads × head_dim = hidden</c>.</summary>
    private static int? HeadsFromReshape(OnnxGraph graph, int hidden)
    {
        foreach (var node in graph.Nodes)
        {
            if (node is not { OpType: "Reshape", Inputs: [_, var shapeInput, ..] })
                continue;
            var dims = ShapeValues(graph, shapeInput);
            if (dims is [_, _, long heads, long headDim] && heads > 1 && headDim > 0 && heads * headDim == hidden)
                return (int)heads;
        }
        return null;
    }

    /// <summary>The entries of a shape vector: constant ones known, computed ones (Unsqueezed batch and sequence sizes) null.</summary>
    private static List<long?>? ShapeValues(OnnxGraph graph, string name)
    {
        if (graph.Constant(name)?.Integers is { } constant)
            return constant.Select(v => (long?)v).ToList();
        if (graph.Producer(name) is not { OpType: "Concat" } concat)
            return null;
        var values = new List<long?>();
        foreach (var part in concat.Inputs)
        {
            if (graph.Constant(part)?.Integers is { } known)
                values.AddRange(known.Select(v => (long?)v));
            else
                values.Add(null); // one computed dimension per part, as PyTorch exports build these shapes
        }
        return values;
    }

    /// <summary>Heads from the score scaling: Div by <c>sqrt(head_dim)</c> or Mul by its inverse, applied to a MatMul of two computed values.</summary>
    private static int? HeadsFromScale(OnnxGraph graph, int hidden)
    {
        foreach (var node in graph.Nodes)
        {
            if (node is not { OpType: "Div" or "Mul", Inputs: [var a, var b] })
                continue;
            var (scale, other) = graph.Constant(b) is { IsFloatScalar: true } cb ? (cb.Floats![0], a)
                : graph.Constant(a) is { IsFloatScalar: true } ca ? (ca.Floats![0], b)
                : (0f, "");
            if (scale <= 0 || graph.Producer(other) is not { OpType: "MatMul" } matmul || matmul.Inputs.Any(i => graph.Constant(i) is not null))
                continue;
            var squared = node.OpType == "Div" ? (double)scale * scale : 1.0 / ((double)scale * scale);
            var headDim = (int)Math.Round(squared);
            if (headDim > 0 && Math.Abs(squared - headDim) < 1e-3 * headDim && hidden % headDim == 0)
                return hidden / headDim;
        }
        return null;
    }

    /// <summary>Epsilon of the first LayerNorm: a LayerNormalization attribute (ONNX default 1e-5) or the decomposed form's <c>Add(ReduceMean(d²), ε)</c> before Sqrt.</summary>
    private static float? Epsilon(OnnxGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.OpType == "LayerNormalization")
                return node.Attribute("epsilon")?.F ?? 1e-5f;
            if (node is { OpType: "Sqrt", Inputs: [var variance] }
                && graph.Producer(variance) is { OpType: "Add", Inputs: [var x, var y] }
                && (graph.Constant(y) ?? graph.Constant(x)) is { IsFloatScalar: true } eps
                && graph.Producer(eps.Name == y ? x : y) is { OpType: "ReduceMean" })
                return eps.Floats![0];
        }
        return null;
    }

    /// <summary><c>gelu</c> when the graph computes the exact GELU: an Erf node (PyTorch's decomposition) or a Gelu node without the tanh approximation.</summary>
    private static string? Activation(OnnxGraph graph) =>
        graph.Nodes.Any(n => n.OpType == "Erf" || (n.OpType == "Gelu" && n.Attribute("approximate")?.S is null or "none"))
            ? "gelu"
            : null;
}
