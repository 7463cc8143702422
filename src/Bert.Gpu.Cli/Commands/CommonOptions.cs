using System.CommandLine;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Commands;

/// <summary>Options shared by the commands that load a model.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Input() => new("--input", "-i")
    {
        Description = "UTF-8 text file, one text per line.",
        Required = true,
    };

    public static Option<FileInfo> Output(string formats) => new("--output", "-o")
    {
        Description = $"Output file ({formats}); written to a temporary file and renamed on success.",
        Required = true,
    };

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Built-in model (minilm, arctic-xs), a HuggingFace model folder, or a .onnx file with vocab.txt beside it.",
        DefaultValueFactory = _ => "minilm",
    };

    public static Option<int?> MaxLength() => new("--max-length")
    {
        Description = "Truncate inputs to this many tokens, [CLS] and [SEP] included (default: the model's).",
    };

    public static FileInfo RequireInput(FileInfo input) =>
        input.Exists ? input : throw new CliException($"{input.FullName}: no such input file.");

    public static BertModel LoadModel(string spec) => ModelLoader.Load(spec);

    public static int ResolveMaxLength(int? requested, BertModel model)
    {
        if (requested is null)
            return model.MaxLength;
        if (requested < 2 || requested > model.Config.MaxPositionEmbeddings)
            throw new CliException($"--max-length {requested}: must be between 2 and {model.Config.MaxPositionEmbeddings} for model '{model.Name}'.");
        return requested.Value;
    }
}
