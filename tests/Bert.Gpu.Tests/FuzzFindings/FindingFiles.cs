using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Tests.FuzzFindings;

/// <summary>
/// The inputs afl-fuzz found (docs/FUZZING.md), kept in <c>tests/data/fuzz-findings/NAME/</c> as the very files the
/// readers read; the files present say which reader a finding is for.
/// </summary>
internal static class FindingFiles
{
    public static string Folder(string finding) => RepoPaths.Data("fuzz-findings", finding);

    /// <summary>Reads the finding with the reader its files are for, as a model load would.</summary>
    public static void ReadModelFiles(string finding)
    {
        var folder = Folder(finding);
        string File(string name) => Path.Combine(folder, name);
        if (System.IO.File.Exists(File("config.json")))
            HuggingFaceConfigReader.Read(File("config.json"));
        else if (System.IO.File.Exists(File("model.safetensors")))
            SafetensorsFile.Open(File("model.safetensors")).Dispose();
        else if (System.IO.File.Exists(File("model.onnx")))
            OnnxModelImporter.Import(System.IO.File.ReadAllBytes(File("model.onnx")), File("model.onnx"), "finding",
                BertTokenizer.FromVocab([.. TinyVocab.Tokens(10)], BertNormalizerOptions.Uncased, "tiny vocab"), PoolingMode.Mean, null);
        else
            TokenizerFiles.Load(folder);
    }
}
