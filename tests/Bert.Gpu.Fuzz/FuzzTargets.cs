using Bert.Gpu.Fuzz.Targets;

namespace Bert.Gpu.Fuzz;

/// <summary>Every target, by the name the lane, <c>replay</c> and the corpus folders use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        TokenizerTarget.Target,
        InputReaderTargets.Lines,
        InputReaderTargets.Jsonl,
        InputReaderTargets.Csv,
        WeightsTargets.Safetensors,
        WeightsTargets.Pytorch,
        WeightsTargets.Onnx,
        WeightsTargets.Config,
        TokenizerFilesTargets.Json,
        TokenizerFilesTargets.Vocab,
        TokenizerFilesTargets.Pipeline,
        QbertTarget.Target,
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Loads the vocabularies the targets share, so the first input afl times does not pay for them.</summary>
    public static void Warm()
    {
        TokenizerTarget.Warm();
        WeightsTargets.Warm();
    }
}
