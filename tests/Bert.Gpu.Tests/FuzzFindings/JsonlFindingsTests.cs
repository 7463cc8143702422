using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.FuzzFindings;

/// <summary>JSON Lines inputs afl-fuzz found escaping the CLI's reader as an exception other than <see cref="CliException"/>.</summary>
public sealed class JsonlFindingsTests
{
    // Line 1 is {"t\ud800ext": "one"}: System.Text.Json's TryGetProperty unescapes every name it compares with "text"
    // and throws InvalidOperationException on the lone high surrogate.
    [Fact]
    public void LoneSurrogateEscapeInAFieldName_IsACliError()
    {
        using var input = File.OpenRead(Path.Combine(FindingFiles.Folder("jsonl-lone-surrogate-in-a-name"), "input.jsonl"));
        var error = Assert.Throws<CliException>(() => JsonlTexts.Read(Utf8Lines.Read(input, "in.jsonl"), "in.jsonl", "text").ToList());
        Assert.Equal("in.jsonl:1: a field name holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.", error.Message);
    }
}
