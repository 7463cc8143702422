using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>Loads a BERT encoder from whatever the user names: a built-in model, a HuggingFace directory or an ONNX file.</summary>
public static class ModelLoader
{
    /// <summary>Loads the model described by <paramref name="spec"/>.</summary>
    /// <param name="spec">
    /// A built-in name (<c>minilm</c>, <c>arctic-xs</c>), a HuggingFace model directory (<c>config.json</c>,
    /// <c>model.safetensors</c> or <c>pytorch_model.bin</c>, <c>vocab.txt</c>), a <c>.onnx</c> file with <c>vocab.txt</c> beside it, or a quantized
    /// <c>.qbert</c> file (<see cref="QbertModel"/>).
    /// </param>
    /// <remarks>A built-in name wins over a folder of the same name in the current directory; write <c>./minilm</c> for the folder.</remarks>
    /// <exception cref="ModelFormatException">The spec names none of these, or the model's files are unusable.</exception>
    /// <exception cref="Bert.Gpu.Quantization.Files.QbertFormatException">A <c>.qbert</c> file is damaged.</exception>
    public static BertModel Load(string spec)
    {
        if (BuiltInModels.Find(spec) is { } builtIn)
            return BuiltInModels.Load(builtIn.Name);
        if (Directory.Exists(spec))
            return HuggingFaceModelLoader.Load(spec);
        if (File.Exists(spec) && spec.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return OnnxModelImporter.Load(spec);
        if (File.Exists(spec) && spec.EndsWith(".qbert", StringComparison.OrdinalIgnoreCase))
            return QbertModel.Load(spec);
        var what = File.Exists(spec) ? "is a file but not an .onnx model" : "does not exist";
        var choices = string.Join("; ", BuiltInModels.All.Select(m => $"'{m.Name}' ({m.Description})"));
        throw new ModelFormatException(spec,
            $"{what}. Name a built-in model — {choices} — or a HuggingFace model directory (config.json, model.safetensors or pytorch_model.bin, vocab.txt), " +
            "an .onnx file with vocab.txt beside it, or a .qbert file written by calibrate.");
    }
}
