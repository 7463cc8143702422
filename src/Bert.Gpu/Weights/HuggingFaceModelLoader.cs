using System.Text.Json;
using Bert.Gpu.Model;
using Bert.Gpu.Weights.Pytorch;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Weights;

/// <summary>
/// Loads a HuggingFace model directory: <c>config.json</c>, <c>model.safetensors</c> (or a sharded
/// <c>model.safetensors.index.json</c>; without either, PyTorch's <c>pytorch_model.bin</c> or
/// <c>pytorch_model.bin.index.json</c>), and the tokenizer files, plus sentence-transformers pooling settings when present.
/// </summary>
public static class HuggingFaceModelLoader
{
    private const string WeightsFile = "model.safetensors";
    private const string IndexFile = "model.safetensors.index.json";
    private const string PytorchFile = "pytorch_model.bin";
    private const string PytorchIndexFile = "pytorch_model.bin.index.json";

    /// <summary>Loads the BERT encoder in <paramref name="directory"/>; F16 and BF16 weights are widened to fp32.</summary>
    /// <param name="directory">Folder holding <c>config.json</c>, the safetensors (or PyTorch) weights and <c>vocab.txt</c> or <c>tokenizer.json</c>.</param>
    /// <exception cref="ModelFormatException">A file is missing, malformed, or does not describe a BERT encoder.</exception>
    public static BertModel Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new ModelFormatException(directory, "no config.json: this is not a HuggingFace model directory.");
        var read = HuggingFaceConfigReader.Read(configPath);
        var config = read.Config;
        var (weightsSource, weightFiles) = FindWeights(directory);
        // The tokenizer first: a missing vocabulary should not cost reading hundreds of megabytes of weights.
        var tokenizer = AdjacentTokenizer.Load(directory, weightsSource);
        var tensors = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var path in weightFiles)
            ReadInto(path, read, tensors);
        read.Family.Complete(tensors, config);
        var settings = SentenceTransformersSettings.Read(directory);
        var heads = new Heads.HeadSettings(read.Json.Architecture(), read.Json.Labels(defaultCount: 2), read.Json.OptionalString("problem_type"));
        return BertModelFactory.Create(weightsSource, directory, config, tensors, tokenizer, settings.Pooling,
            settings.MaxLength ?? config.MaxSequenceLength, heads: heads);
    }

    // Safetensors first, as transformers prefers it: a folder with both formats holds the same weights twice.
    private static (string Source, IReadOnlyList<string> Files) FindWeights(string directory)
    {
        foreach (var (single, index) in new[] { (WeightsFile, IndexFile), (PytorchFile, PytorchIndexFile) })
        {
            var singlePath = Path.Combine(directory, single);
            if (File.Exists(singlePath))
                return (singlePath, [singlePath]);
            var indexPath = Path.Combine(directory, index);
            if (File.Exists(indexPath))
                return (indexPath, ReadShardList(indexPath, directory));
        }
        throw new ModelFormatException(directory, $"no weights: none of {WeightsFile}, {IndexFile}, {PytorchFile} or {PytorchIndexFile}.");
    }

    private static List<string> ReadShardList(string indexPath, string directory)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(indexPath, "no 'weight_map' object.");
            return map.EnumerateObject()
                .Select(p => p.Value.ValueKind == JsonValueKind.String
                    ? Path.Combine(directory, p.Value.GetString()!)
                    : throw new ModelFormatException(indexPath, $"the shard of '{p.Name}' is not a file name."))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(indexPath, $"not valid JSON ({e.Message}).", e);
        }
    }

    private static void ReadInto(string path, HuggingFaceConfig config, Dictionary<string, FloatTensor> tensors)
    {
        if (path.EndsWith(".bin", StringComparison.Ordinal))
        {
            using var checkpoint = PytorchCheckpoint.Open(path);
            foreach (var (stored, tensor) in checkpoint.Entries)
                Add(path, tensors, config.Canonical(stored), tensor.Storage.Dtype.IsFloat, () => checkpoint.ReadFloat(stored, tensor));
            return;
        }
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
            Add(path, tensors, config.Canonical(entry.Name), SafetensorsDtypes.IsFloat(entry.Dtype), () => file.ReadFloat(entry));
    }

    private static void Add(string path, Dictionary<string, FloatTensor> tensors, string name, bool isFloat, Func<FloatTensor> read)
    {
        // Integer bookkeeping buffers (embeddings.position_ids) are skipped; a parameter in an unsupported dtype is an error.
        if (!isFloat && !TensorNaming.IsParameter(name))
            return;
        if (!tensors.TryAdd(name, read()))
            throw new ModelFormatException(path, $"tensor '{name}' is stored twice (with and without the family's prefix such as 'bert.', under an old and a new name, or in two shards).");
    }
}
