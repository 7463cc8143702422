namespace Bert.Gpu.Cli.Output;

/// <summary>Appends embeddings (rows of a fixed width) to an output file, in input order.</summary>
internal interface IEmbeddingWriter
{
    /// <summary>Appends <c>rows.Length / width</c> rows.</summary>
    void Write(ReadOnlySpan<float> rows);

    /// <summary>Finishes the file (headers that depend on the row count).</summary>
    void Complete();
}
