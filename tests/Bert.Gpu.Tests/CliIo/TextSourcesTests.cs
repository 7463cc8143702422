using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

public sealed class TextSourcesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("in.jsonl", null, null, "JSON Lines input needs --text-field NAME, the string field that holds the text.")]
    [InlineData("in.jsonl", "text", "text", "--text-column is for .csv input; name the JSON field with --text-field.")]
    [InlineData("in.csv", null, null, "CSV input needs --text-column NAME, the header of the column that holds the text.")]
    [InlineData("in.csv", "text", null, "--text-field is for .jsonl/.ndjson input; name the CSV column with --text-column.")]
    [InlineData("in.txt", "text", null, "plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv.")]
    [InlineData("in.md", null, "text", "plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv.")]
    public void OptionsMustFitTheFormat(string file, string? textField, string? textColumn, string expected)
    {
        var path = _dir.Write(file, "text\n");
        var error = Assert.Throws<CliException>(() => TextSources.Open(path, textField, textColumn));
        Assert.Equal($"{path}: {expected}", error.Message);
    }

    [Fact]
    public void MissingFile()
    {
        var path = _dir.File("nope.txt");
        Assert.Equal($"{path}: no such input file.", Assert.Throws<CliException>(() => TextSources.Open(path, null, null)).Message);
    }
}
