using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Tests.CliIo;

public sealed class PlainTextInputTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void OneTextPerLine_EmptyLinesAreEmptyTexts_CrLfAndLf()
    {
        var path = _dir.Write("in.txt", "first\r\n\nthird line\nü 日本語 🙂\r\n\r\nlast without newline");
        Assert.Equal(["first", "", "third line", "ü 日本語 🙂", "", "last without newline"], TextSources.Open(path, null, null));
    }

    [Fact]
    public void LoneCarriageReturnStaysInsideTheText()
    {
        var path = _dir.Write("in.txt", "a\rb\nc\n");
        Assert.Equal(["a\rb", "c"], TextSources.Open(path, null, null));
    }

    [Fact]
    public void ByteOrderMarkIsSkipped_EmptyFileHasNoTexts()
    {
        var bom = _dir.File("bom.txt");
        File.WriteAllBytes(bom, [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i', (byte)'\n']);
        Assert.Equal(["hi"], TextSources.Open(bom, null, null));
        Assert.Empty(TextSources.Open(_dir.Write("empty.txt", ""), null, null));
    }

    [Fact]
    public void LinesLongerThanTheReadBufferAreWhole()
    {
        var long1 = new string('x', 200_000);
        var long2 = string.Concat(Enumerable.Repeat("é", 70_000));
        var path = _dir.Write("in.txt", $"{long1}\n{long2}\nshort\n");
        Assert.Equal([long1, long2, "short"], TextSources.Open(path, null, null));
    }

    [Fact]
    public void InvalidUtf8_NamesTheLine()
    {
        var path = _dir.File("bad.txt");
        File.WriteAllBytes(path, [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', 0xC3, (byte)'\n']);
        var texts = TextSources.Open(path, null, null).GetEnumerator();
        Assert.True(texts.MoveNext());
        var error = Assert.Throws<CliException>(() => texts.MoveNext());
        Assert.Equal($"{path}:2: not valid UTF-8; convert the file to UTF-8.", error.Message);
    }

    [Fact]
    public void ReadsLazily()
    {
        var path = _dir.Write("in.txt", "a\nb\n");
        var texts = TextSources.Open(path, null, null);
        File.Delete(path); // on Linux an open file outlives its name: here nothing was opened yet
        Assert.Throws<FileNotFoundException>(() => texts.First());
    }
}
