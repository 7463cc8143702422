using Bert.Gpu.Cli.Output;
using Parquet;
using Parquet.Schema;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// Reads a part of a sharded dataset back: its footer (<see cref="PartMetadata"/>, row count) without the rows, or its
/// rows a row group at a time, checking on the way that it is what <c>embed --shard</c> writes — an
/// <see cref="ParquetEmbeddingWriter.IndexColumn"/> counting up from the part's first row, and an embedding of the
/// job's width per row.
/// </summary>
/// <remarks>Parquet.Net's API is asynchronous; the CLI has no synchronization context, so waiting on it is safe.</remarks>
internal static class PartFile
{
    /// <summary>The part's metadata and the rows its footer counts.</summary>
    /// <exception cref="CliException">Not a Parquet file, or not a part this tool wrote.</exception>
    public static (PartMetadata Metadata, long Rows) ReadFooter(string path) => ReadFooterAsync(path).GetAwaiter().GetResult();

    /// <summary>The part's rows as flat float32 values, a row group at a time, in order; each group's index column checked.</summary>
    /// <exception cref="CliException">The part's columns are not what its metadata says (damaged or not ours).</exception>
    public static IEnumerable<float[]> ReadRows(string path, PartMetadata metadata)
    {
        var reader = Open(path).GetAwaiter().GetResult();
        try
        {
            var (index, element) = Fields(reader, path);
            var width = metadata.Identity.Width;
            var next = metadata.RowStart;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var rows = (int)group.RowCount;
                var indices = new long[rows];
                var values = new float[rows * width];
                group.ReadAsync<long>(index, indices, null, CancellationToken.None).GetAwaiter().GetResult();
                var (definitions, repetitions) = (new int[values.Length], new int[values.Length]);
                if (group.GetMetadata(element)?.MetaData?.NumValues == values.Length)
                    group.ReadRawAsync<float>(element, values, definitions, repetitions, CancellationToken.None).GetAwaiter().GetResult();
                // Every value present, and a list starting at every width-th value only: rows of exactly the job's width.
                for (var i = 0; i < values.Length; i++)
                    if (definitions[i] != element.MaxDefinitionLevel || repetitions[i] != (i % width == 0 ? 0 : 1))
                        throw new CliException($"{path}: row group {g} does not hold {width} floats a row (the width of {metadata.Identity.Model}); the part is damaged — rerun its shard.");
                for (var i = 0; i < rows; i++, next++)
                    if (indices[i] != next)
                        throw new CliException($"{path}: row {next - metadata.RowStart} has {ParquetEmbeddingWriter.IndexColumn} {indices[i]}, expected {next}; the part is damaged — rerun its shard.");
                yield return values;
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static async Task<(PartMetadata, long)> ReadFooterAsync(string path)
    {
        await using var reader = await Open(path);
        Fields(reader, path);
        var metadata = PartMetadata.Parse(reader.CustomMetadata, path);
        return (metadata, reader.RowGroups.Sum(g => g.RowCount));
    }

    private static async Task<ParquetReader> Open(string path)
    {
        try
        {
            return await ParquetReader.CreateAsync(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new CliException($"{path}: cannot read it as Parquet ({e.Message}); rerun its shard.", e);
        }
    }

    /// <summary>The index and embedding-element fields, checked to be the part schema.</summary>
    private static (DataField Index, DataField Element) Fields(ParquetReader reader, string path)
    {
        if (reader.Schema.Fields is not [DataField { Name: ParquetEmbeddingWriter.IndexColumn } index, ListField { Name: "embedding", Item: DataField element }]
            || index.ClrType != typeof(long) || element.ClrType != typeof(float))
            throw new CliException($"{path}: its columns are not {ParquetEmbeddingWriter.IndexColumn} (int64) and embedding (list<float>), so it is not a part embed --shard wrote; move it out of the folder.");
        return (index, element);
    }
}
