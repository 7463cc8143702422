using System.CommandLine;
using System.Text;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Cli.Commands;

/// <summary><c>tokenize</c>: the token ids of every input line, [CLS] and [SEP] included, one JSON array per line.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var input = CommonOptions.Input();
        var output = CommonOptions.Output(".jsonl: one JSON array of ids per line");
        var model = CommonOptions.Model();
        var maxLength = CommonOptions.MaxLength();
        var command = new Command("tokenize", "Tokenize every line of a text file.") { input, output, model, maxLength };
        command.SetAction(result => Run(
            CommonOptions.RequireInput(result.GetRequiredValue(input)),
            result.GetRequiredValue(output),
            result.GetRequiredValue(model),
            result.GetValue(maxLength)));
        return command;
    }

    private static int Run(FileInfo input, FileInfo output, string modelSpec, int? maxLength)
    {
        var model = CommonOptions.LoadModel(modelSpec);
        var limit = CommonOptions.ResolveMaxLength(maxLength, model);
        using var file = new AtomicOutputFile(output.FullName);
        using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
        {
            foreach (var line in File.ReadLines(input.FullName))
                writer.WriteLine("[" + string.Join(",", model.Tokenizer.Encode(line, limit).Ids) + "]");
        }
        file.Commit();
        return 0;
    }
}
