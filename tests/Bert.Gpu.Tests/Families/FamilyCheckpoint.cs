using System.Text.Json;
using Bert.Gpu.Encoder;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Tests.Families;

/// <summary>
/// One of tests/data/families/: a random-weight checkpoint with its family's real tensor names, the token ids fed to it,
/// and PyTorch's outputs for them (tests/oracle/families.py; README beside the folders).
/// </summary>
internal sealed class FamilyCheckpoint
{
    public static readonly string[] Cases =
        ["bert", "bert-old-names", "distilbert", "distilbert-relu", "roberta", "xlm-roberta", "camembert", "albert", "albert-groups", "electra"];

    private FamilyCheckpoint(string folder, IReadOnlyList<TokenizedText> sequences, Dictionary<string, float[]> expected)
    {
        Folder = folder;
        Sequences = sequences;
        Expected = expected;
    }

    public string Folder { get; }

    public IReadOnlyList<TokenizedText> Sequences { get; }

    /// <summary>PyTorch's tensors by name (<c>last_hidden_state</c>, <c>layer_output.K</c>…), all sequences' rows in order.</summary>
    public Dictionary<string, float[]> Expected { get; }

    public PackedBatch Batch => new(Sequences);

    public static FamilyCheckpoint Load(string name) => Load("families", name);

    /// <summary>A folder of tests/data/families or tests/data/heads (the same layout).</summary>
    public static FamilyCheckpoint Load(string set, string name)
    {
        var folder = RepoPaths.Data(set, name);
        using var inputs = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "inputs.json")));
        var sequences = inputs.RootElement.EnumerateArray()
            .Select(s => new TokenizedText(
                [.. s.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32())],
                [.. s.GetProperty("type_ids").EnumerateArray().Select(v => v.GetInt32())]))
            .ToList();
        using var file = SafetensorsFile.Open(Path.Combine(folder, "expected.safetensors"));
        var expected = file.Entries.ToDictionary(e => e.Name, e => file.ReadFloat(e).Data);
        return new FamilyCheckpoint(folder, sequences, expected);
    }
}
