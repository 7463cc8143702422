namespace Bert.Gpu.Cli.Input;

/// <summary>How an input file holds its texts.</summary>
internal enum InputFormat
{
    /// <summary>From the extension: <c>.jsonl</c>/<c>.ndjson</c>, <c>.csv</c>, else lines; a name without an extension (stdin, a pipe) by <c>--text-field</c> / <c>--text-column</c>.</summary>
    Auto,

    /// <summary>UTF-8 text, one text per line.</summary>
    Lines,

    /// <summary>JSON Lines: one object per line, the text in a string field.</summary>
    Jsonl,

    /// <summary>RFC 4180 CSV with a header row, the text in one column.</summary>
    Csv,
}
