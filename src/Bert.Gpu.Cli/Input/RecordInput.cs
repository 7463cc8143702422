namespace Bert.Gpu.Cli.Input;

/// <summary>
/// An opened JSON Lines input whose records each give several string fields (a query and a text, a question and a
/// context), read lazily and once like <see cref="TextInput"/>.
/// </summary>
internal sealed class RecordInput : IDisposable
{
    private readonly Stream _stream;

    private RecordInput(Stream stream, string name, string? path, IEnumerable<InputRecord> records)
    {
        _stream = stream;
        Name = name;
        Path = path;
        Records = records;
        Length = stream.CanSeek ? stream.Length : null;
    }

    /// <summary>What errors call the input: its path, or <c>stdin</c>.</summary>
    public string Name { get; }

    /// <summary>The input's full path; null for standard input.</summary>
    public string? Path { get; }

    /// <summary>Size in bytes when the input is a regular file; null for a pipe.</summary>
    public long? Length { get; }

    /// <summary>The records; enumerate once.</summary>
    public IEnumerable<InputRecord> Records { get; }

    /// <summary>Opens <paramref name="path"/> (<c>-</c> for stdin) as JSON Lines with <paramref name="fields"/>, each named by an option.</summary>
    public static RecordInput Open(string path, IReadOnlyList<(string Field, string Option)> fields)
    {
        TextInput.CheckExists(path);
        var name = TextInput.NameOf(path);
        var stream = TextInput.OpenStream(path);
        var records = JsonlTexts.Records(Utf8Lines.Read(stream, name), name, fields);
        return new RecordInput(stream, name, path == TextInput.StandardInput ? null : System.IO.Path.GetFullPath(path), records);
    }

    public void Dispose() => _stream.Dispose();
}
