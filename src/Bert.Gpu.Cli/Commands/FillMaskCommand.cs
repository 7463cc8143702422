using System.CommandLine;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>fill-mask</c>: a masked-LM checkpoint's guesses for every mask token of every text. One line per text,
/// <c>{"masks": [[{"token", "token_str", "score", "sequence"}…]…]}</c>: per mask token, in text order, the
/// <c>--top-k</c> vocabulary entries by softmax probability over the vocabulary (as transformers' FillMaskPipeline);
/// "token_str" is the vocabulary entry and "sequence" the text with that mask's characters replaced by it (a WordPiece
/// <c>##</c> prefix dropped), not transformers' decoding of the ids.
/// </summary>
internal static class FillMaskCommand
{
    public static Command Create()
    {
        var common = new TaskOptions();
        var input = CommonOptions.Input();
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var topK = OptionParsers.Int("--top-k", "Guesses per mask token.", 5, min: 1);
        var command = new Command("fill-mask", "Fill the mask tokens of every text with a …ForMaskedLM checkpoint.")
        {
            input, inputFormat, textField, textColumn, topK,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), result.GetValue(inputFormat),
            result.GetValue(textField), result.GetValue(textColumn), result.GetValue(topK)));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, Input.InputFormat format, string? textField, string? textColumn, int topK)
    {
        using var source = TaskSource.Texts(inputPath, format, textField, textColumn);
        using var runner = s.Prepare("fill-mask", source, HeadKind.MaskedLm, pairs: false);
        var mask = runner.Tokenizer.SpecialIds.Mask
            ?? throw new CliException($"--model {s.Model}: its tokenizer has no mask token, so there is nothing to fill.");
        using var output = s.Open("fill-mask", runner, source, $"top_k={topK}");
        var width = runner.Head.Width;
        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var sequences = chunk.Select(r => runner.Tokenizer.Encode(r.Text, runner.MaxLength)).ToList();
            var (logits, batch) = runner.Predict(sequences);
            for (var i = 0; i < chunk.Count; i++)
            {
                var text = chunk[i].Text;
                var encoding = sequences[i];
                output.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("masks");
                    for (var t = 0; t < encoding.Ids.Length; t++)
                    {
                        if (encoding.Ids[t] != mask)
                            continue;
                        var probabilities = Softmax(logits.AsSpan((batch.SeqStarts[i] + t) * width, width));
                        var span = encoding.Offsets![t];
                        w.WriteStartArray();
                        foreach (var id in Enumerable.Range(0, width).OrderByDescending(v => probabilities[v]).ThenBy(v => v).Take(topK))
                        {
                            var token = runner.Tokenizer.IdToToken(id);
                            w.WriteStartObject();
                            w.WriteNumber("token", id);
                            w.WriteString("token_str", token);
                            w.WriteNumber("score", probabilities[id]);
                            w.WriteString("sequence", string.Concat(text.AsSpan(0, span.Start), token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : token, text.AsSpan(span.End)));
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
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

    private static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits)
            max = Math.Max(max, v);
        var p = new float[logits.Length];
        var sum = 0.0;
        for (var i = 0; i < p.Length; i++)
            sum += p[i] = MathF.Exp(logits[i] - max);
        for (var i = 0; i < p.Length; i++)
            p[i] = (float)(p[i] / sum);
        return p;
    }
}
