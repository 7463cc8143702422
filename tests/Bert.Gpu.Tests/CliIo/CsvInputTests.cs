using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

public sealed class CsvInputTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Rfc4180Quoting_EmbeddedNewlinesQuotesAndCommas()
    {
        var path = _dir.Write("in.csv",
            "id,text,label\r\n" +
            "1,plain,x\r\n" +
            "2,\"with, comma\",y\r\n" +
            "3,\"say \"\"hi\"\"\",z\r\n" +
            "4,\"two\r\nlines\nmixed\",w\n" +
            "5,,empty\n" +
            "6,\"\",quoted empty\n" +
            "\n" +
            "7,ü 日本語 🙂,u\n" +
            "8,a \"literal\" quote,v");
        Assert.Equal(
            ["plain", "with, comma", "say \"hi\"", "two\r\nlines\nmixed", "", "", "ü 日本語 🙂", "a \"literal\" quote"],
            InputTexts.Open(path, null, "text"));
    }

    [Fact]
    public void SingleColumn_QuotedHeaderAndByteOrderMark()
    {
        var path = _dir.File("in.csv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "\"text\"\nfirst\n\"\"\n"u8]);
        Assert.Equal(["first", ""], InputTexts.Open(path, null, "text"));
    }

    [Fact]
    public void MissingColumn_IsReportedAtOpen()
    {
        var path = _dir.Write("in.csv", "id,body\n1,a\n");
        var error = Assert.Throws<CliException>(() => InputTexts.Open(path, null, "text"));
        Assert.Equal($"{path}:1: no column \"text\" in the header (id, body); check --text-column.", error.Message);
    }

    [Theory]
    [InlineData("", ": empty; a CSV input needs a header row naming its columns.")]
    [InlineData("text,text\n", ":1: column \"text\" appears twice in the header; rename one.")]
    public void BadHeader_IsReportedAtOpen(string content, string expected)
    {
        var path = _dir.Write("in.csv", content);
        var error = Assert.Throws<CliException>(() => InputTexts.Open(path, null, "text"));
        Assert.Equal(path + expected, error.Message);
    }

    [Theory]
    [InlineData("id,text\n1,a\n2,b,c\n", ":3: 3 fields, but the header has 2; quote fields that hold commas.")]
    [InlineData("id,text\n1,a\n2,\"never\nclosed\n", ":3: a quoted field is never closed; add the closing \".")]
    [InlineData("id,text\n1,\"a\"b\n", ":2: 'b' after the closing quote of a field; write a quote inside a quoted field as \"\".")]
    [InlineData("id,text\n1,\"multi\nline\"\n2\n", ":4: 1 fields, but the header has 2; quote fields that hold commas.")]
    public void BadRecords_NameTheirFirstLine(string content, string expected)
    {
        var path = _dir.Write("in.csv", content);
        var error = Assert.Throws<CliException>(() => InputTexts.Open(path, null, "text").ToList());
        Assert.Equal(path + expected, error.Message);
    }
}
