namespace Bert.Gpu.Cli.Input;

/// <summary>One text to embed and where it came from.</summary>
/// <param name="Line">1-based line of the input where the text starts, for error messages.</param>
/// <param name="Text">The text.</param>
/// <param name="End">Bytes of the input consumed once this text is read: what progress is measured in.</param>
/// <param name="Ids">Pre-tokenized ids (<c>--ids-field</c>), taken instead of tokenizing <paramref name="Text"/>; null for a text.</param>
internal readonly record struct InputText(long Line, string Text, long End, int[]? Ids = null);
