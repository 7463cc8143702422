namespace Bert.Gpu.Cli.Jobs;

/// <summary>A point a job's output can stand at: this many rows, made from texts with this hash, with these row bytes' hash.</summary>
/// <param name="Rows">Rows in the output up to here.</param>
/// <param name="InputSha256">Running hash of the texts those rows were made from (<see cref="RunningHash.AppendText"/>).</param>
/// <param name="OutputSha256">Running hash of the rows themselves (<see cref="RunningHash.AppendRows"/>).</param>
internal sealed record RowCheckpoint(long Rows, string InputSha256, string OutputSha256);
