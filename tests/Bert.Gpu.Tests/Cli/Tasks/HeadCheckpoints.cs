using System.Text.Json;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Cli.Tasks;

/// <summary>
/// The task-head checkpoints of tests/data/heads as the task commands' tests use them: the library's own logits and
/// scores for given encodings (what the CLI must write), texts that tokenize to the fixtures' ids, and the CLI's output.
/// </summary>
internal static class HeadCheckpoints
{
    /// <summary>Largest |Δ| between a written value and the library's (the CLI may run with other thread counts).</summary>
    public const float Tolerance = 1e-5f;

    public static string Folder(string name) => RepoPaths.Data("heads", name);

    public static BertModel LoadModel(string name) => HuggingFaceModelLoader.Load(Folder(name));

    /// <summary>The logits of <paramref name="sequences"/> under <paramref name="head"/> on the host backend.</summary>
    public static float[] Logits(BertModel model, TaskHead head, IReadOnlyList<TokenizedText> sequences)
    {
        var batch = new PackedBatch(sequences);
        var logits = new float[(head.PerSequence ? batch.Sequences : batch.TotalTokens) * head.Width];
        using var host = new HostBackend(1);
        using var encoder = new BertEncoder(model, host);
        encoder.Predict(batch, head, logits);
        return logits;
    }

    /// <summary>
    /// A text whose WordPiece tokens are <paramref name="ids"/> (the fixtures' made-up syllables, <c>##</c> pieces
    /// glued on), or null when it cannot be written (a sequence that starts with a <c>##</c> piece).
    /// </summary>
    public static string? TextOf(ITokenizer tokenizer, IEnumerable<int> ids)
    {
        var text = "";
        foreach (var id in ids)
        {
            var token = tokenizer.IdToToken(id);
            if (token.StartsWith("##", StringComparison.Ordinal))
            {
                if (text.Length == 0)
                    return null;
                text += token[2..];
            }
            else
            {
                text += text.Length == 0 ? token : " " + token;
            }
        }
        return text;
    }

    /// <summary>The output's lines, parsed.</summary>
    public static List<JsonElement> ReadLines(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>Runs the CLI and asserts it succeeded.</summary>
    public static void Succeeds(params string[] args)
    {
        var run = CliRunner.Run(args);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
    }
}
