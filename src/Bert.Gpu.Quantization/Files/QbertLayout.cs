namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// The byte layout of a <c>.qbert</c> file: the header length N (8 bytes, little-endian), N bytes of UTF-8 JSON, the
/// SHA-256 of those N bytes (32), then the data section, whose every byte belongs to exactly one tensor.
/// </summary>
internal static class QbertLayout
{
    public const int LengthBytes = 8;
    public const int HashBytes = 32;

    /// <summary>The one version this code reads and writes; a later one changes the layout or the header's fields.</summary>
    public const int FormatVersion = 1;

    public const string FormatName = "qbert";

    /// <summary>
    /// A header holds names, shapes and hashes (about 200 bytes a tensor) and the metadata, which may carry a vocabulary
    /// (BERT's is 230 KB); 100 MB, safetensors' own bound, is far above that and keeps a corrupt length from allocating gigabytes.
    /// </summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Arrays are indexed by int: one tensor holds at most int.MaxValue elements.</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>The bytes of one element.</summary>
    public static int ElementSize(QbertDtype dtype) => dtype == QbertDtype.F32 ? sizeof(float) : 1;

    /// <summary>What to tell the user for a file that is damaged rather than wrongly written.</summary>
    public const string Recreate = "copy the file again or quantize the model again";
}
