using System.CommandLine;
using System.Text;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Cli.Commands;

/// <summary><c>tokenize</c>: the token ids of every input text, [CLS] and [SEP] included, one JSON array per line.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var input = CommonOptions.Input();
        var output = CommonOptions.Output(".jsonl: one JSON array of ids per line");
        var model = CommonOptions.Model();
        var maxLength = CommonOptions.MaxLength();
        var inputFormat = CommonOptions.InputFormat();
        var textField = CommonOptions.TextField();
        var textColumn = CommonOptions.TextColumn();
        var overwrite = CommonOptions.Overwrite();
        var command = new Command("tokenize", "Tokenize every text of a file (lines, JSON Lines or CSV).")
        {
            input, output, model, maxLength, inputFormat, textField, textColumn, overwrite,
        };
        command.SetAction(result => Run(
            result.GetRequiredValue(input),
            result.GetRequiredValue(output),
            result.GetRequiredValue(model),
            result.GetValue(maxLength),
            result.GetValue(inputFormat),
            result.GetValue(textField),
            result.GetValue(textColumn),
            result.GetValue(overwrite)));
        return command;
    }

    private static int Run(string inputPath, string output, string modelSpec, int? maxLength, InputFormat format,
        string? textField, string? textColumn, bool overwrite)
    {
        if (!output.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{output}: tokenize writes JSON Lines (one array of ids per line); name the output .jsonl.");
        using var interruption = new Interruption(() => $"nothing written to {output}");
        using var input = TextInput.Open(inputPath, format, textField, textColumn);
        OutputChecks.Check(output, "--output", input.Path, overwrite);
        var model = CommonOptions.LoadModel(modelSpec);
        var limit = CommonOptions.ResolveMaxLength(maxLength, model);
        using var file = new AtomicOutputFile(output);
        using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
        {
            foreach (var text in input.Texts)
            {
                if (interruption.Token.IsCancellationRequested)
                    break;
                writer.WriteLine("[" + string.Join(",", model.Tokenizer.Encode(text.Text, limit).Ids) + "]");
            }
        }
        if (interruption.Token.IsCancellationRequested)
        {
            // One pass writes the whole file: there is nothing to resume, so nothing is kept.
            Console.Error.WriteLine($"{interruption.SignalName}: stopped; nothing written to {output}");
            return interruption.ExitCode;
        }
        file.Commit();
        return 0;
    }
}
