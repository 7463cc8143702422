using System.CommandLine;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>ner</c>: a token-classification checkpoint's entities in every text, one JSON line per text,
/// <c>{"entities": [...]}</c>, found as transformers' TokenClassificationPipeline finds them (<see cref="TokenEntities"/>),
/// with start/end as UTF-16 offsets into the text and "word" the text between them.
/// </summary>
internal static class NerCommand
{
    public static Command Create()
    {
        var common = new TaskOptions();
        var input = CommonOptions.Input();
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var aggregation = OptionParsers.Enum("--aggregation",
            $"{OptionParsers.Choices<NerAggregation>()}: transformers' aggregation_strategy (default simple; none lists tokens).", NerAggregation.Simple);
        var command = new Command("ner", "Tag the entities of every text with a …ForTokenClassification checkpoint (texts over --max-length tokens are truncated).")
        {
            input, inputFormat, textField, textColumn, aggregation,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), result.GetValue(inputFormat),
            result.GetValue(textField), result.GetValue(textColumn), result.GetValue(aggregation)));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, Input.InputFormat format, string? textField, string? textColumn, NerAggregation aggregation)
    {
        using var source = TaskSource.Texts(inputPath, format, textField, textColumn);
        using var runner = s.Prepare("ner", source, HeadKind.TokenClassification, pairs: false);
        using var output = s.Open("ner", runner, source, $"aggregation={aggregation}");
        var head = runner.Head;
        var labels = Enumerable.Range(0, head.Width).Select(i => ClassifyCommand.LabelOf(head.Labels, i)).ToArray();
        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var sequences = chunk.Select(r => runner.Tokenizer.Encode(r.Text, runner.MaxLength)).ToList();
            var (logits, batch) = runner.Predict(sequences);
            for (var i = 0; i < chunk.Count; i++)
            {
                var start = batch.SeqStarts[i];
                var tokens = sequences[i].Ids.Length;
                var scores = new float[tokens * head.Width];
                for (var t = 0; t < tokens; t++)
                    head.Score(logits.AsSpan((start + t) * head.Width, head.Width)).CopyTo(scores, t * head.Width);
                var text = chunk[i].Text;
                var entities = TokenEntities.Find(text, sequences[i], scores, labels, runner.Tokenizer, aggregation);
                output.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("entities");
                    foreach (var e in entities)
                    {
                        w.WriteStartObject();
                        w.WriteString(aggregation == NerAggregation.None ? "entity" : "entity_group", e.Tag);
                        w.WriteNumber("score", e.Score);
                        if (aggregation == NerAggregation.None)
                            w.WriteNumber("index", e.Index);
                        w.WriteString("word", text[e.Start..e.End]);
                        w.WriteNumber("start", e.Start);
                        w.WriteNumber("end", e.End);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            return batch.TotalTokens;
        });
        if (stopped is { } code)
            return code;
        output.Commit();
        return 0;
    }
}
