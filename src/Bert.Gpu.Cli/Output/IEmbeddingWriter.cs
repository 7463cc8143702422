namespace Bert.Gpu.Cli.Output;

/// <summary>Appends embeddings (rows of a fixed width) to an output file, in input order.</summary>
internal interface IEmbeddingWriter
{
    /// <summary>Rows in the file so far, those of a resumed partial file included.</summary>
    long Rows { get; }

    /// <summary>Appends <c>rows.Length / width</c> rows and hands them to the operating system before returning, so a killed process loses no returned write.</summary>
    void Write(ReadOnlyMemory<float> rows);

    /// <summary>Finishes the file (headers that depend on the row count).</summary>
    void Complete();
}
