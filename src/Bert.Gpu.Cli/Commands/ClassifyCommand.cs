using System.CommandLine;
using System.Text.Json;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Heads;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>classify</c>: a sequence-classification checkpoint's labels for every text, one JSON line per text in input order:
/// <c>{"label", "score", "scores": [{"label", "score"}…]}</c>, scores high to low, as transformers'
/// TextClassificationPipeline scores them (softmax, or sigmoid for multi-label and one-logit heads).
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var common = new TaskOptions();
        var input = CommonOptions.Input();
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var rawScores = new Option<bool>("--raw-scores") { Description = "Write the logits instead of the scores." };
        var topK = OptionParsers.OptionalInt("--top-k", "Labels listed in \"scores\" (default: all).", min: 1);
        var command = new Command("classify", "Classify every text of a file with a …ForSequenceClassification checkpoint.")
        {
            input, inputFormat, textField, textColumn, rawScores, topK,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), result.GetValue(inputFormat),
            result.GetValue(textField), result.GetValue(textColumn), result.GetValue(rawScores), result.GetValue(topK)));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, Input.InputFormat format, string? textField, string? textColumn, bool raw, int? topK)
    {
        using var source = TaskSource.Texts(inputPath, format, textField, textColumn);
        using var runner = s.Prepare("classify", source, HeadKind.SequenceClassification, pairs: false);
        using var output = s.Open("classify", runner, source, $"raw={raw} top_k={topK}");
        var head = runner.Head;
        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var sequences = chunk.Select(r => runner.Tokenizer.Encode(r.Text, runner.MaxLength)).ToList();
            var (logits, batch) = runner.Predict(sequences);
            for (var i = 0; i < chunk.Count; i++)
            {
                var row = logits.AsSpan(i * head.Width, head.Width);
                var values = raw ? row.ToArray() : head.Score(row);
                output.Line(w => WriteRow(w, head.Labels, values, topK));
            }
            return batch.TotalTokens;
        });
        if (stopped is { } code)
            return code;
        output.Commit();
        return 0;
    }

    /// <summary>One line: the best label, its value, and the labels by value, high to low (at most <paramref name="topK"/>).</summary>
    internal static void WriteRow(Utf8JsonWriter w, IReadOnlyList<string> labels, float[] values, int? topK)
    {
        var order = Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        w.WriteStartObject();
        w.WriteString("label", LabelOf(labels, order[0]));
        w.WriteNumber("score", values[order[0]]);
        w.WriteStartArray("scores");
        foreach (var i in order.Take(topK ?? order.Length))
        {
            w.WriteStartObject();
            w.WriteString("label", LabelOf(labels, i));
            w.WriteNumber("score", values[i]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Label <paramref name="id"/>'s name: id2label's, else transformers' default <c>LABEL_id</c>.</summary>
    internal static string LabelOf(IReadOnlyList<string> labels, int id) => id < labels.Count ? labels[id] : $"LABEL_{id}";
}
