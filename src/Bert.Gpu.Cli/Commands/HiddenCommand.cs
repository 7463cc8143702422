using System.CommandLine;
using System.Text.Json;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>hidden</c>: the encoder's last hidden state, token by token (TEI's <c>/embed_all</c>, transformers'
/// <c>last_hidden_state</c>), one JSON line per text in input order:
/// <c>{"ids": [...], "tokens": [...], "offsets": [[start, end]...], "hidden": [[...]...]}</c> — one row of
/// <c>hidden_size</c> floats per token, special tokens included, each float written so that it reads back to the same
/// bits. Offsets are UTF-16 spans of the text (an added special token has [0, 0]); pre-tokenized ids have none.
/// </summary>
internal static class HiddenCommand
{
    public static Command Create()
    {
        var common = new TaskOptions("Built-in model (minilm, arctic-xs) or a HuggingFace model folder, any family; a head, if any, is not run.");
        var input = CommonOptions.Input();
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var idsField = new Option<string?>("--ids-field")
        {
            Description = "JSON Lines input whose field NAME holds pre-tokenized ids (special tokens included), run as they are.",
        };
        var command = new Command("hidden", "Write the token-level hidden states of every text (texts over --max-length tokens are truncated).")
        {
            input, inputFormat, textField, textColumn, idsField,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), result.GetValue(inputFormat),
            result.GetValue(textField), result.GetValue(textColumn), result.GetValue(idsField)));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, InputFormat format, string? textField, string? textColumn, string? idsField)
    {
        using var source = TaskSource.Texts(inputPath, format, textField, textColumn, idsField: idsField);
        using var runner = s.PrepareEncoder("hidden", source);
        using var output = s.Open("hidden", runner, source, "");
        var width = runner.Model.Config.HiddenSize;
        var vocabulary = runner.Model.Config.VocabSize;
        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var sequences = chunk.Select(r => r.Ids is { } ids
                ? JsonlIds.Sequence(ids, $"{source.Name}:{r.Line}", runner.MaxLength, vocabulary)
                : runner.Tokenizer.Encode(r.Text, runner.MaxLength)).ToList();
            var (hidden, batch) = runner.LastHiddenState(sequences);
            for (var i = 0; i < chunk.Count; i++)
            {
                var start = batch.SeqStarts[i];
                var encoding = sequences[i];
                output.Line(w => WriteLine(w, encoding, runner.Tokenizer, hidden.AsSpan(start * width, encoding.Ids.Length * width), width));
            }
            return batch.TotalTokens;
        });
        if (stopped is { } code)
            return code;
        output.Commit();
        return 0;
    }

    private static void WriteLine(Utf8JsonWriter w, TokenizedText encoding, ITokenizer tokenizer, ReadOnlySpan<float> rows, int width)
    {
        w.WriteStartObject();
        w.WriteStartArray("ids");
        foreach (var id in encoding.Ids)
            w.WriteNumberValue(id);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        foreach (var id in encoding.Ids)
            w.WriteStringValue(tokenizer.IdToToken(id));
        w.WriteEndArray();
        if (encoding.Offsets is { } offsets)
        {
            w.WriteStartArray("offsets");
            foreach (var span in offsets)
            {
                w.WriteStartArray();
                w.WriteNumberValue(span.Start);
                w.WriteNumberValue(span.End);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("hidden");
        for (var t = 0; t < encoding.Ids.Length; t++)
        {
            w.WriteStartArray();
            foreach (var value in rows.Slice(t * width, width))
                w.WriteNumberValue(value);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
