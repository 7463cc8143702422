namespace Bert.Gpu.Cli.Input;

/// <summary>The named string fields of one JSON Lines record and where it came from.</summary>
/// <param name="Line">1-based line of the input, for error messages.</param>
/// <param name="Fields">The fields' values, in the order they were asked for.</param>
/// <param name="End">Bytes of the input consumed once this record is read: what progress is measured in.</param>
internal readonly record struct InputRecord(long Line, string[] Fields, long End);
