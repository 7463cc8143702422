namespace Bert.Gpu;

/// <summary>What happens to a text longer than the maximum sequence length.</summary>
public enum LongTextMode
{
    /// <summary>Keep its first tokens (the HuggingFace / sentence-transformers behaviour).</summary>
    Truncate,

    /// <summary>
    /// Embed overlapping windows of at most max-length tokens (each framed by [CLS] and [SEP]), starting every
    /// <see cref="EmbedderOptions.Stride"/> tokens until the text is covered, and average the windows' pooled
    /// vectors weighted by how many of the text's tokens each holds, before normalizing.
    /// </summary>
    Window,
}
