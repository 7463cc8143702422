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
        Assert.Equal(["first", "", "third line", "ü 日本語 🙂", "", "last without newline"], InputTexts.Open(path, null, null));
    }

    [Fact]
    public void LoneCarriageReturnStaysInsideTheText()
    {
        var path = _dir.Write("in.txt", "a\rb\nc\n");
        Assert.Equal(["a\rb", "c"], InputTexts.Open(path, null, null));
    }

    [Fact]
    public void ByteOrderMarkIsSkipped_EmptyFileHasNoTexts()
    {
        var bom = _dir.File("bom.txt");
        File.WriteAllBytes(bom, [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i', (byte)'\n']);
        Assert.Equal(["hi"], InputTexts.Open(bom, null, null));
        Assert.Empty(InputTexts.Open(_dir.Write("empty.txt", ""), null, null));
    }

    [Fact]
    public void LinesLongerThanTheReadBufferAreWhole()
    {
        var long1 = new string('x', 200_000);
        var long2 = string.Concat(Enumerable.Repeat("é", 70_000));
        var path = _dir.Write("in.txt", $"{long1}\n{long2}\nshort\n");
        Assert.Equal([long1, long2, "short"], InputTexts.Open(path, null, null));
    }

    [Fact]
    public void InvalidUtf8_NamesTheLine()
    {
        var path = _dir.File("bad.txt");
        File.WriteAllBytes(path, [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', 0xC3, (byte)'\n']);
        var texts = InputTexts.Open(path, null, null).GetEnumerator();
        Assert.True(texts.MoveNext());
        var error = Assert.Throws<CliException>(() => texts.MoveNext());
        Assert.Equal($"{path}:2: not valid UTF-8; convert the file to UTF-8.", error.Message);
    }

    [Fact]
    public async Task ReadsLazilyAndOnce_APipeWorks()
    {
        // A FIFO is what `--input <(cmd)` and `cat x | embed --input /dev/stdin` hand over: not seekable, readable once.
        var fifo = _dir.File("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        var writer = Task.Run(() =>
        {
            using var pipe = new StreamWriter(fifo);
            pipe.Write("a\nb\n");
            pipe.Flush();
            Thread.Sleep(200); // the reader must get "a" and "b" before the writer closes: it reads as lines come
            pipe.Write("c");
        });
        using var input = TextInput.Open(fifo, InputFormat.Auto, null, null);
        Assert.Null(input.Length);
        Assert.Equal(["a", "b", "c"], input.Texts.Select(t => t.Text));
        await writer;
    }

    [Fact]
    public void EachTextKnowsItsLineAndTheBytesReadAfterIt()
    {
        var path = _dir.Write("in.txt", "ab\r\n\nü\nlast");
        using var input = TextInput.Open(path, InputFormat.Auto, null, null);
        Assert.Equal(12, input.Length);
        Assert.Equal([new InputText(1, "ab", 4), new InputText(2, "", 5), new InputText(3, "ü", 8), new InputText(4, "last", 12)], input.Texts);
    }
}
