namespace Bert.Gpu.Cli.Tasks;

/// <summary>One input of a task command: a text, or a pair (query and text, question and context), and where it came from.</summary>
/// <param name="Line">1-based line of the input, for error messages.</param>
/// <param name="Text">The text, or the first of a pair.</param>
/// <param name="Pair">The second text of a pair; null for a single text.</param>
/// <param name="End">Bytes of the input consumed once this record is read, for progress.</param>
/// <param name="Ids">Pre-tokenized ids (<c>--ids-field</c>) taken instead of tokenizing <paramref name="Text"/> (then the ids written out); null for a text.</param>
internal readonly record struct TaskRecord(long Line, string Text, string? Pair, long End, int[]? Ids = null);
