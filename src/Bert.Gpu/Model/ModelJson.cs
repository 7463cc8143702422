using System.Text.Json;
using Bert.Gpu.Quantization.Files;

namespace Bert.Gpu.Model;

/// <summary>Checks of a parsed JSON model file (config.json, tokenizer.json, a safetensors header) that System.Text.Json leaves to the first read.</summary>
internal static class ModelJson
{
    /// <summary>
    /// Throws <see cref="ModelFormatException"/> when a property name or string value of <paramref name="root"/> is not
    /// text. <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> accepts invalid UTF-8 bytes and
    /// lone <c>\uD800</c>-<c>\uDFFF</c> escapes inside strings, and only a later <c>GetString</c>, <c>Name</c> or even
    /// <c>TryGetProperty</c> (which unescapes the names it compares) throws, as an InvalidOperationException.
    /// </summary>
    /// <param name="root">The document's root element.</param>
    /// <param name="source">File name for the message.</param>
    public static void RequireValidText(JsonElement root, string source)
    {
        if (JsonText.FindUndecodable(root, "the root", "") is var (what, e))
            throw new ModelFormatException(source, $"{what} is not valid text: invalid UTF-8, or a \\u escape of half a surrogate pair ({e.Message.TrimEnd('.')}); the file is corrupt or not UTF-8.", e);
    }
}
