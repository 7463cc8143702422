using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights.Onnx;

namespace Bert.Gpu.Weights;

/// <summary>
/// Imports a BERT encoder exported to ONNX from HuggingFace / PyTorch (the plain export, not an ONNX Runtime
/// fused graph): weights are taken from the initializers and the configuration is derived from the graph.
/// </summary>
public static class OnnxModelImporter
{
    private const string FusedGraphHint =
        "Graphs optimized by ONNX Runtime (fused Attention / SkipLayerNormalization) lose the tensor names; import the plain PyTorch export.";

    /// <summary>Imports <paramref name="onnxPath"/>, taking the tokenizer (<c>vocab.txt</c> or <c>tokenizer.json</c>) and any sentence-transformers pooling settings from its folder.</summary>
    /// <param name="onnxPath">Path of the <c>.onnx</c> file.</param>
    /// <exception cref="ModelFormatException">A file is missing or malformed, or the graph is not a recognizable BERT encoder.</exception>
    public static BertModel Load(string onnxPath)
    {
        onnxPath = Path.GetFullPath(onnxPath);
        if (!File.Exists(onnxPath))
            throw new ModelFormatException(onnxPath, "file not found.");
        var directory = Path.GetDirectoryName(onnxPath)!;
        var tokenizer = AdjacentTokenizer.Load(directory, onnxPath);
        var settings = SentenceTransformersSettings.Read(directory);
        using var file = MappedFile.Open(onnxPath);
        return Import(file.All(), onnxPath, onnxPath, tokenizer, settings.Pooling, settings.MaxLength);
    }

    /// <summary>Imports the ONNX model held in <paramref name="onnx"/>.</summary>
    /// <param name="onnx">The whole <c>.onnx</c> file.</param>
    /// <param name="source">Where the bytes came from, for messages.</param>
    /// <param name="name">Display name of the model.</param>
    /// <param name="tokenizer">Tokenizer matching the vocabulary.</param>
    /// <param name="pooling">Pooling the model was trained with.</param>
    /// <param name="maxLength">Maximum sequence length, or null for the position-table size.</param>
    internal static BertModel Import(ReadOnlySpan<byte> onnx, string source, string name, ITokenizer tokenizer, PoolingMode pooling, int? maxLength)
    {
        var graph = OnnxModelParser.Parse(onnx, source);
        var tensors = OnnxWeightMapper.Map(graph, source);
        var config = OnnxConfigDeriver.Derive(graph, tensors, source);
        return BertModelFactory.Create(source, name, config, tensors, tokenizer, pooling, maxLength ?? config.MaxPositionEmbeddings, FusedGraphHint);
    }
}
