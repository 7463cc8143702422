using System.Numerics;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tests.Weights;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using Bert.Gpu.Weights.Onnx;
using Bert.Gpu.Weights.Pytorch;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>The model-file readers on any bytes: each may reject a file only with <see cref="ModelFormatException"/>.</summary>
internal static class WeightsTargets
{
    // The seeds are the unit tests' tiny BERT (vocabulary 10), so a well-formed seed loads all the way through.
    private static readonly Lazy<BertTokenizer> TinyTokenizer = new(() =>
        BertTokenizer.FromVocab([.. TinyVocab.Tokens(10)], BertNormalizerOptions.Uncased, "tiny vocab"));

    public static FuzzTarget Safetensors { get; } = new("safetensors",
        "bytes -> SafetensorsFile.Open + ReadFloat of every entry (data length = product of the shape), then the whole HF folder load with the tiny model's config.json; only ModelFormatException",
        RunSafetensors);

    public static FuzzTarget Pytorch { get; } = new("pytorch",
        "bytes as pytorch_model.bin -> PytorchCheckpoint.Open (zip, restricted unpickler, extents) + ReadFloat of every float entry (data length = product of the shape), then the whole HF folder load with the tiny model's config.json; only ModelFormatException",
        RunPytorch);

    public static FuzzTarget Onnx { get; } = new("onnx",
        "bytes -> OnnxModelImporter.Import (protobuf parse, weight mapping, config derivation, BertModel checks); only ModelFormatException",
        input => Expected.Only<ModelFormatException>(() =>
            OnnxModelImporter.Import(input, "fuzz.onnx", "fuzz", TinyTokenizer.Value, PoolingMode.Mean, null)));

    public static FuzzTarget Config { get; } = new("config",
        "bytes as config.json -> HuggingFaceConfigReader.Read; a config it returns validates and has a finite layer_norm_eps; only ModelFormatException",
        RunConfig);

    /// <summary>Builds what the targets share before the fork server starts.</summary>
    public static void Warm() => _ = TinyTokenizer.Value;

    private static void RunSafetensors(byte[] input)
    {
        var folder = ScratchFolder.Folder("safetensors");
        var path = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(path, input);
        Expected.Only<ModelFormatException>(() =>
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var entry in file.Entries)
            {
                if (!SafetensorsDtypes.IsFloat(entry.Dtype))
                    continue;
                var tensor = file.ReadFloat(entry);
                // Counted without overflow: a shape whose product wraps around 2^64 must not pass for a small tensor.
                var elements = entry.Shape.Aggregate(BigInteger.One, (n, d) => n * d);
                PropertyViolation.Check(tensor.Data.Length == elements && tensor.Shape.SequenceEqual(entry.Shape),
                    $"tensor '{entry.Name}' of shape {entry.ShapeText} was read as {tensor.Data.Length} values");
            }
        });
        LoadFolder(folder);
    }

    private static void RunPytorch(byte[] input)
    {
        var folder = ScratchFolder.Folder("pytorch");
        var path = Path.Combine(folder, "pytorch_model.bin");
        File.WriteAllBytes(path, input);
        Expected.Only<ModelFormatException>(() =>
        {
            using var checkpoint = PytorchCheckpoint.Open(path);
            foreach (var (name, tensor) in checkpoint.Entries)
            {
                if (!tensor.Storage.Dtype.IsFloat)
                    continue;
                var read = checkpoint.ReadFloat(name, tensor);
                // Counted without overflow, as for safetensors: the shape's product must not wrap to a small count.
                var elements = tensor.Shape.Aggregate(BigInteger.One, (n, d) => n * d);
                PropertyViolation.Check(read.Data.Length == elements && read.Shape.SequenceEqual(tensor.Shape),
                    $"tensor '{name}' of shape {tensor.ShapeText} was read as {read.Data.Length} values");
            }
        });
        LoadFolder(folder);
    }

    // The whole HF folder load of whatever weights file the target wrote, with the tiny model's config.json and vocab.txt.
    private static void LoadFolder(string folder)
    {
        if (!File.Exists(Path.Combine(folder, "config.json")))
        {
            TinyHuggingFaceModel.WriteConfig(Path.Combine(folder, "config.json"), TinyHuggingFaceModel.Config);
            File.WriteAllLines(Path.Combine(folder, "vocab.txt"), TinyVocab.Tokens(TinyHuggingFaceModel.Config.VocabSize));
        }
        Expected.Only<ModelFormatException>(() => HuggingFaceModelLoader.Load(folder));
    }

    private static void RunConfig(byte[] input)
    {
        var path = Path.Combine(ScratchFolder.Folder("config"), "config.json");
        File.WriteAllBytes(path, input);
        Expected.Only<ModelFormatException>(() =>
        {
            var config = HuggingFaceConfigReader.Read(path).Config;
            config.Validate(path);
            // An infinite epsilon turns every LayerNorm into "output = bias": a config that says so is bad input, not a model.
            PropertyViolation.Check(float.IsFinite(config.LayerNormEps), $"layer_norm_eps read as {config.LayerNormEps}");
        });
    }
}
