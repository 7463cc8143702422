namespace Bert.Gpu.Cli.Output;

/// <summary>What makes a Parquet output one part of a sharded dataset: where its rows start in the whole input, and what its footer says of it.</summary>
/// <param name="FirstIndex">Input index of the first row, the first value of <see cref="ParquetEmbeddingWriter.IndexColumn"/>.</param>
/// <param name="Metadata">The footer's key-value pairs (<see cref="Shards.PartMetadata"/>).</param>
internal sealed record ParquetPart(long FirstIndex, IReadOnlyDictionary<string, string> Metadata);
