using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

public sealed class TextInputTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("in.jsonl", null, null, "JSON Lines input needs --text-field NAME, the string field that holds the text.")]
    [InlineData("in.jsonl", "text", "text", "--text-column is for .csv input; name the JSON field with --text-field.")]
    [InlineData("in.csv", null, null, "CSV input needs --text-column NAME, the header of the column that holds the text.")]
    [InlineData("in.csv", "text", null, "--text-field is for .jsonl/.ndjson input; name the CSV column with --text-column.")]
    [InlineData("in.txt", "text", null, "plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv (or say --input-format jsonl|csv).")]
    [InlineData("in.md", null, "text", "plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv (or say --input-format jsonl|csv).")]
    public void OptionsMustFitTheFormat(string file, string? textField, string? textColumn, string expected)
    {
        var path = _dir.Write(file, "text\n");
        var error = Assert.Throws<CliException>(() => InputTexts.Open(path, textField, textColumn));
        Assert.Equal($"{path}: {expected}", error.Message);
    }

    [Theory]
    [InlineData("data", "text", null, "{\"text\":\"from json\"}\n", "from json")]
    [InlineData("data", null, "text", "id,text\n1,from csv\n", "from csv")]
    [InlineData("data", null, null, "{\"text\":\"a line\"}\n", "{\"text\":\"a line\"}")]
    public void WithoutAnExtension_TheTextOptionSaysTheFormat(string file, string? textField, string? textColumn, string content, string expected)
    {
        // stdin, /dev/stdin and <(cmd) have no extension to go by.
        var path = _dir.Write(file, content);
        Assert.Equal([expected], InputTexts.Open(path, textField, textColumn));
    }

    [Fact]
    public void InputFormatOverridesTheExtension()
    {
        var path = _dir.Write("records.txt", "{\"body\":\"x\"}\n");
        Assert.Equal(["x"], InputTexts.Open(path, "body", null, InputFormat.Jsonl));
    }

    [Fact]
    public void AFolder_IsAClearError()
    {
        var error = Assert.Throws<CliException>(() => InputTexts.Open(_dir.Path, null, null));
        Assert.Equal($"{_dir.Path}: is a folder; --input takes a file (or - for standard input).", error.Message);
    }

    [Fact]
    public void MissingFile()
    {
        var path = _dir.File("nope.txt");
        Assert.Equal($"{path}: no such input file.", Assert.Throws<CliException>(() => InputTexts.Open(path, null, null)).Message);
    }
}
