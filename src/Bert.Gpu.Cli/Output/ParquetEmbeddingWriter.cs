using Parquet;
using Parquet.Schema;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// Apache Parquet with one column, <c>embedding</c>: a list of float32 per row (the standard three-level LIST,
/// <c>embedding.list.element</c>, which pyarrow reads as <c>list&lt;element: float not null&gt;</c> and pandas as
/// arrays in an object column), written once, by one writer, when the job commits: while the job runs its rows sit
/// in the partial file as raw float32 (<see cref="NpyWriter"/>'s layout, so a resume works exactly as for
/// <c>.npy</c>). Appending a row group per chunk to a finished Parquet file instead rewrites the footer each time,
/// and the footer grows with the row groups: Parquet.Net re-read and re-wrote all of it on every append (220 KB of
/// allocation per append at 150 row groups, 810 KB at 1,050), so the time grew with the square of the job and its
/// peak memory with its length (+10% at 200,000 MiniLM lines).
/// </summary>
/// <remarks>Parquet.Net's API is asynchronous; the CLI has no synchronization context, so waiting on it is safe.</remarks>
internal static class ParquetEmbeddingWriter
{
    /// <summary>Rows per row group: 4 MB of floats (2,730 MiniLM rows), read from the partial file a group at a time.</summary>
    public static int RowGroupRows(int width) => Math.Max(1, (4 << 20) / (4 * width));

    /// <summary>The column of a <see cref="ParquetPart"/> that holds each row's 0-based index in the whole input.</summary>
    public const string IndexColumn = "input_index";

    private static readonly DataField<float> Element = new("element");
    private static readonly DataField<long> Index = new(IndexColumn);
    private static readonly ParquetSchema Schema = new(new ListField("embedding", Element));
    private static readonly ParquetSchema PartSchema = new(Index, new ListField("embedding", Element));

    /// <summary>
    /// Writes the <paramref name="rows"/> rows of <paramref name="width"/> floats that <paramref name="source"/> holds
    /// from where it stands (little-endian float32) as Parquet into <paramref name="destination"/>; as a
    /// <paramref name="part"/> of a sharded dataset, with an <see cref="IndexColumn"/> before the embedding and the
    /// part's key-value metadata.
    /// </summary>
    public static void Write(Stream source, long rows, int width, Stream destination, ParquetPart? part = null) =>
        WriteAsync(source, rows, width, destination, part).GetAwaiter().GetResult();

    private static async Task WriteAsync(Stream source, long rows, int width, Stream destination, ParquetPart? part)
    {
        var groupRows = (int)Math.Min(RowGroupRows(width), Math.Max(rows, 1));
        var values = new float[groupRows * width];
        var bytes = new byte[values.Length * 4];
        // Every value is present (definition level at its maximum) and each row's first value starts a new list.
        var definitionLevels = new int[values.Length];
        var repetitionLevels = new int[values.Length];
        Array.Fill(definitionLevels, Element.MaxDefinitionLevel);
        for (var i = 0; i < values.Length; i++)
            repetitionLevels[i] = i % width == 0 ? 0 : 1;

        var indices = part is null ? [] : new long[groupRows];
        await using var writer = await ParquetWriter.CreateAsync(part is null ? Schema : PartSchema, destination);
        if (part is not null)
            writer.CustomMetadata = part.Metadata;
        for (long done = 0; done < rows; done += groupRows)
        {
            var count = (int)Math.Min(groupRows, rows - done) * width;
            await source.ReadExactlyAsync(bytes.AsMemory(0, 4 * count));
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("The partial file holds little-endian floats.");
            Buffer.BlockCopy(bytes, 0, values, 0, 4 * count);
            using var group = writer.CreateRowGroup();
            if (part is not null)
            {
                for (var i = 0; i < count / width; i++)
                    indices[i] = part.FirstIndex + done + i;
                await group.WriteAsync<long>(Index, indices.AsMemory(0, count / width), null, null, CancellationToken.None);
            }
            await group.WriteAllPartsAsync<float>(Element, values.AsMemory(0, count), definitionLevels.AsMemory(0, count),
                repetitionLevels.AsMemory(0, count), CancellationToken.None);
            group.CompleteValidate();
        }
    }
}
