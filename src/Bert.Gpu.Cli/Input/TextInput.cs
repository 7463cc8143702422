namespace Bert.Gpu.Cli.Input;

/// <summary>
/// An opened input: the sequence of texts to embed, in input order, read lazily and only once, so a pipe or stdin
/// (<c>-</c>) works as well as a file. Option mistakes, a missing file and a CSV header without the column are
/// reported by <see cref="Open"/>; errors in the records as they are read.
/// </summary>
internal sealed class TextInput : IDisposable
{
    /// <summary>The <c>--input</c> value that means standard input.</summary>
    public const string StandardInput = "-";

    private readonly Stream _stream;

    private TextInput(Stream stream, string name, string? path, InputFormat format, IEnumerable<InputText> texts, long? length)
    {
        _stream = stream;
        Name = name;
        Path = path;
        Format = format;
        Texts = texts;
        Length = length;
    }

    /// <summary>What errors call the input: its path, or <c>stdin</c>.</summary>
    public string Name { get; }

    /// <summary>The input's full path; null for standard input.</summary>
    public string? Path { get; }

    /// <summary>The format in force (never <see cref="InputFormat.Auto"/>).</summary>
    public InputFormat Format { get; }

    /// <summary>Size in bytes when the input is a regular file (a <see cref="Slice"/>: its count of texts); null for a pipe or a terminal, whose end is unknown.</summary>
    public long? Length { get; }

    /// <summary>The texts; enumerate once.</summary>
    public IEnumerable<InputText> Texts { get; }

    /// <summary>
    /// Opens <paramref name="path"/> (<see cref="StandardInput"/> for stdin). With <see cref="InputFormat.Auto"/> the
    /// extension decides: <c>.jsonl</c>/<c>.ndjson</c> need <paramref name="textField"/>, <c>.csv</c> needs
    /// <paramref name="textColumn"/>, any other extension is lines; a name without one (stdin, <c>/dev/stdin</c>,
    /// <c>&lt;(cmd)</c>) is JSON Lines with <c>--text-field</c>, CSV with <c>--text-column</c>, else lines.
    /// </summary>
    public static TextInput Open(string path, InputFormat format, string? textField, string? textColumn, string? idsField = null)
    {
        var name = NameOf(path);
        CheckExists(path);
        if (idsField is not null && (textField is not null || textColumn is not null))
            throw new CliException($"{name}: --ids-field takes the ids instead of a text; drop --text-field / --text-column.");
        if (idsField is not null && format is not (InputFormat.Auto or InputFormat.Jsonl))
            throw new CliException($"{name}: --ids-field reads JSON Lines; drop --input-format {format.ToString().ToLowerInvariant()}.");
        format = idsField is not null ? InputFormat.Jsonl : Resolve(path, name, format, textField, textColumn);
        var stream = OpenStream(path);
        var stdin = path == StandardInput;
        try
        {
            var lines = Utf8Lines.Read(stream, name);
            var texts = format switch
            {
                InputFormat.Jsonl when idsField is not null => JsonlIds.Read(lines, name, idsField),
                InputFormat.Jsonl => JsonlTexts.Read(lines, name, textField!),
                InputFormat.Csv => CsvTexts.Open(lines, name, textColumn!),
                _ => lines.Select(line => new InputText(line.Number, line.Content, line.End)),
            };
            return new TextInput(stream, name, stdin ? null : System.IO.Path.GetFullPath(path), format, texts, stream.CanSeek ? stream.Length : null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Only texts <paramref name="start"/> to <paramref name="end"/> (0-based, end excluded) of this input, which
    /// hands its stream over to the slice; reading stops after the last. Errors still name the input's own lines.
    /// The slice's byte extent is unknown until it is read, so its texts' <see cref="InputText.End"/> and its
    /// <see cref="Length"/> count texts: progress is the fraction of the slice's texts.
    /// </summary>
    public TextInput Slice(long start, long end) => new(_stream, Name, Path, Format, Range(Texts, start, end), end - start);

    private static IEnumerable<InputText> Range(IEnumerable<InputText> texts, long start, long end)
    {
        long index = 0;
        foreach (var text in texts)
        {
            if (index >= end)
                yield break;
            if (index >= start)
                yield return text with { End = index - start + 1 };
            index++;
        }
    }

    private static InputFormat Resolve(string path, string name, InputFormat format, string? textField, string? textColumn)
    {
        if (format == InputFormat.Auto)
        {
            var extension = path == StandardInput ? "" : System.IO.Path.GetExtension(path).ToLowerInvariant();
            format = extension switch
            {
                ".jsonl" or ".ndjson" => InputFormat.Jsonl,
                ".csv" => InputFormat.Csv,
                "" when textField is not null && textColumn is null => InputFormat.Jsonl,
                "" when textColumn is not null && textField is null => InputFormat.Csv,
                _ => InputFormat.Lines,
            };
        }
        switch (format)
        {
            case InputFormat.Jsonl:
                if (textColumn is not null)
                    throw new CliException($"{name}: --text-column is for .csv input; name the JSON field with --text-field.");
                if (textField is null)
                    throw new CliException($"{name}: JSON Lines input needs --text-field NAME, the string field that holds the text.");
                break;
            case InputFormat.Csv:
                if (textField is not null)
                    throw new CliException($"{name}: --text-field is for .jsonl/.ndjson input; name the CSV column with --text-column.");
                if (textColumn is null)
                    throw new CliException($"{name}: CSV input needs --text-column NAME, the header of the column that holds the text.");
                break;
            default:
                if (textField is not null || textColumn is not null)
                    throw new CliException($"{name}: plain text input has one text per line; --text-field is for .jsonl/.ndjson and --text-column for .csv (or say --input-format jsonl|csv).");
                break;
        }
        return format;
    }

    /// <summary>What errors call <paramref name="path"/>: the path itself, or <c>stdin</c> for <see cref="StandardInput"/>.</summary>
    internal static string NameOf(string path) => path == StandardInput ? "stdin" : path;

    /// <summary>Fails unless <paramref name="path"/> is <see cref="StandardInput"/> or an existing file.</summary>
    internal static void CheckExists(string path)
    {
        if (path == StandardInput)
            return;
        if (Directory.Exists(path))
            throw new CliException($"{path}: is a folder; --input takes a file (or - for standard input).");
        if (!File.Exists(path))
            throw new CliException($"{path}: no such input file.");
    }

    /// <summary>Opens <paramref name="path"/> (checked by <see cref="CheckExists"/>) for reading, or standard input.</summary>
    internal static Stream OpenStream(string path) => path == StandardInput ? Console.OpenStandardInput() : OpenFile(path, path);

    private static FileStream OpenFile(string path, string name)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0); // Utf8Lines reads whole blocks itself
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"{name}: not allowed to read it; check its permissions.");
        }
    }

    public void Dispose() => _stream.Dispose();
}
