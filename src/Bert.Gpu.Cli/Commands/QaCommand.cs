using System.CommandLine;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>qa</c>: extractive question answering with a …ForQuestionAnswering checkpoint over JSON Lines records with a
/// question and a context each; one line per record, <c>{"answer", "score", "start", "end"}</c>, the best span over
/// all windows of the context (<see cref="QaWindows"/>, <see cref="QaSpan"/>), start/end UTF-16 offsets into the context.
/// </summary>
internal static class QaCommand
{
    public static Command Create()
    {
        var common = new TaskOptions();
        var input = CommonOptions.Input();
        input.Description = "JSON Lines, one record per question with its question and context fields; - reads standard input.";
        var questionField = new Option<string>("--question-field") { Description = "The JSON field holding the question.", DefaultValueFactory = _ => "question" };
        var contextField = new Option<string>("--context-field") { Description = "The JSON field holding the context.", DefaultValueFactory = _ => "context" };
        var maxAnswer = OptionParsers.Int("--max-answer-length", "Most tokens in an answer.", 15, min: 1);
        var stride = OptionParsers.OptionalInt("--stride", "Context tokens shared by consecutive windows of a long context (default: min(128, max length / 2), as transformers).", min: 0);
        var command = new Command("qa", "Answer each question with a span of its context (a …ForQuestionAnswering checkpoint).")
        {
            input, questionField, contextField, maxAnswer, stride,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), result.GetRequiredValue(questionField),
            result.GetRequiredValue(contextField), result.GetValue(maxAnswer), result.GetValue(stride)));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, string questionField, string contextField, int maxAnswer, int? stride)
    {
        using var source = TaskSource.Pairs(inputPath, (questionField, "--question-field"), (contextField, "--context-field"));
        using var runner = s.Prepare("qa", source, HeadKind.QuestionAnswering, pairs: true);
        using var output = s.Open("qa", runner, source, $"max_answer={maxAnswer} stride={stride}");
        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var windows = chunk.Select(r => QaWindows.Cut(runner.Tokenizer, r.Text, r.Pair!, runner.MaxLength, stride, $"{source.Name}:{r.Line}")).ToList();
            var sequences = windows.SelectMany(w => w.Sequences).ToList();
            var (logits, batch) = sequences.Count > 0 ? runner.Predict(sequences) : ([], null);
            var token = 0;
            for (var i = 0; i < chunk.Count; i++)
            {
                var span = QaSpan.Best(windows[i], logits, token, maxAnswer);
                token += windows[i].Sequences.Sum(q => q.Ids.Length);
                var context = chunk[i].Pair!;
                var (start, end) = span is { } a ? (windows[i].ContextOffsets[a.First].Start, windows[i].ContextOffsets[a.Last].End) : (0, 0);
                output.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("answer", context[start..end]);
                    w.WriteNumber("score", span?.Score ?? 0f);
                    w.WriteNumber("start", start);
                    w.WriteNumber("end", end);
                    w.WriteEndObject();
                });
            }
            return batch?.TotalTokens ?? 0;
        });
        if (stopped is { } code)
            return code;
        output.Commit();
        return 0;
    }
}
