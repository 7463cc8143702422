using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>The texts of an input as the CLI reads them: errors of the file and options now, errors of the records while enumerating.</summary>
internal static class InputTexts
{
    public static IEnumerable<string> Open(string path, string? textField, string? textColumn, InputFormat format = InputFormat.Auto) =>
        Enumerate(TextInput.Open(path, format, textField, textColumn));

    private static IEnumerable<string> Enumerate(TextInput input)
    {
        using (input)
            foreach (var text in input.Texts)
                yield return text.Text;
    }
}
