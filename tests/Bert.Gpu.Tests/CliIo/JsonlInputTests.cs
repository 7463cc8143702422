using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

public sealed class JsonlInputTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("in.jsonl")]
    [InlineData("in.NDJSON")]
    public void TextIsTheNamedStringField(string file)
    {
        var path = _dir.Write(file,
            "{\"id\":1,\"text\":\"plain\"}\r\n" +
            "{\"text\":\"\"}\n" +
            "{\"text\":\"line\\nbreak, \\\"quoted\\\" \\u00fc 日本\",\"other\":[1,2]}\n" +
            "  {\"text\" : \"spaced\"}  \n" +
            "\n\n");
        Assert.Equal(["plain", "", "line\nbreak, \"quoted\" ü 日本", "spaced"], InputTexts.Open(path, "text", null));
    }

    [Fact]
    public void ASurrogatePairEscape_IsOneCharacter()
    {
        var path = _dir.Write("in.jsonl", "{\"text\":\"\\ud83d\\ude42\"}\n");
        Assert.Equal(["🙂"], InputTexts.Open(path, "text", null));
    }

    [Theory]
    [InlineData("{\"text\":\"a\"}\n[1,2]\n", "2: expected a JSON object, found an array; each line must be one JSON object.")]
    [InlineData("{\"text\":\"a\"}\n{\"body\":\"b\"}\n", "2: no field \"text\"; check --text-field.")]
    [InlineData("{\"text\":\"a\"}\n{\"text\":3}\n", "2: field \"text\" is a number, not a string; check --text-field.")]
    [InlineData("{\"text\":null}\n", "1: field \"text\" is null, not a string; check --text-field.")]
    [InlineData("{\"text\":\"a\"}\n{\"text\":\"b\"\n", "2: not valid JSON (at byte 12); each line must be one JSON object.")]
    [InlineData("{\"text\":\"a\"}\n\n \n{\"text\":\"b\"}\n", "2: blank line; each line must be one JSON object (remove the blank lines).")]
    [InlineData("{\"text\":\"ok\"}\n{\"text\":\"lone \\ud800 x\"}\n", "2: field \"text\" holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.")]
    [InlineData("{\"text\":\"\\udc00\"}\n", "1: field \"text\" holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.")]
    public void Errors_NameFileAndLine(string content, string expected)
    {
        var path = _dir.Write("in.jsonl", content);
        var error = Assert.Throws<CliException>(() => InputTexts.Open(path, "text", null).ToList());
        Assert.Equal($"{path}:{expected}", error.Message);
    }
}
