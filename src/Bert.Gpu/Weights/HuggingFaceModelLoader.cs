using System.Text.Json;
using Bert.Gpu.Model;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Weights;

/// <summary>
/// Loads a HuggingFace model directory: <c>config.json</c>, <c>model.safetensors</c> (or a sharded
/// <c>model.safetensors.index.json</c>), and the tokenizer files, plus sentence-transformers pooling settings when present.
/// </summary>
public static class HuggingFaceModelLoader
{
    private const string WeightsFile = "model.safetensors";
    private const string IndexFile = "model.safetensors.index.json";

    /// <summary>Loads the BERT encoder in <paramref name="directory"/>; F16 and BF16 weights are widened to fp32.</summary>
    /// <param name="directory">Folder holding <c>config.json</c>, the safetensors weights and <c>vocab.txt</c> or <c>tokenizer.json</c>.</param>
    /// <exception cref="ModelFormatException">A file is missing, malformed, or does not describe a BERT encoder.</exception>
    public static BertModel Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new ModelFormatException(directory, "no config.json: this is not a HuggingFace model directory.");
        var config = HuggingFaceConfigReader.Read(configPath);
        var (weightsSource, weightFiles) = FindWeights(directory);
        // The tokenizer first: a missing vocabulary should not cost reading hundreds of megabytes of weights.
        var tokenizer = AdjacentTokenizer.Load(directory, weightsSource);
        var tensors = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var path in weightFiles)
            ReadInto(path, tensors);
        var settings = SentenceTransformersSettings.Read(directory);
        return BertModelFactory.Create(weightsSource, directory, config, tensors, tokenizer, settings.Pooling,
            settings.MaxLength ?? config.MaxPositionEmbeddings);
    }

    private static (string Source, IReadOnlyList<string> Files) FindWeights(string directory)
    {
        var single = Path.Combine(directory, WeightsFile);
        if (File.Exists(single))
            return (single, [single]);
        var index = Path.Combine(directory, IndexFile);
        if (File.Exists(index))
            return (index, ReadShardList(index, directory));
        var hint = File.Exists(Path.Combine(directory, "pytorch_model.bin"))
            ? " Only safetensors is read; convert pytorch_model.bin (e.g. with transformers: model.save_pretrained(dir, safe_serialization=True))."
            : "";
        throw new ModelFormatException(directory, $"no {WeightsFile} or {IndexFile}.{hint}");
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

    private static void ReadInto(string path, Dictionary<string, FloatTensor> tensors)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
        {
            var name = TensorNaming.Canonical(entry.Name);
            // Integer bookkeeping buffers (embeddings.position_ids) are skipped; a parameter in an unsupported dtype is an error.
            if (!SafetensorsDtypes.IsFloat(entry.Dtype) && !TensorNaming.IsParameter(name))
                continue;
            if (!tensors.TryAdd(name, file.ReadFloat(entry)))
                throw new ModelFormatException(path, $"tensor '{name}' is stored twice (with and without the 'bert.' prefix, or in two shards).");
        }
    }
}
