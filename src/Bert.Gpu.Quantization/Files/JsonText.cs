using System.Text.Json;

namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// Finds a string or property name of a parsed JSON document that does not decode. System.Text.Json accepts invalid
/// UTF-8 and lone surrogate escapes (<c>"\uD800"</c>) inside strings when it parses, and throws
/// InvalidOperationException only when one is read, which may be long after the file was opened (the project's fuzz
/// lane found this in every JSON reader). The one walk behind the <c>.qbert</c> header check and the model files' checks.
/// </summary>
internal static class JsonText
{
    /// <summary>The first string or property name of <paramref name="root"/> that does not decode, or null.</summary>
    /// <param name="root">The parsed document's root.</param>
    /// <param name="rootName">How the root is named in the answer (e.g. "the root", "header").</param>
    /// <param name="prefix">Put before every path below the root (e.g. "" or "header.").</param>
    /// <returns>What it is (<c>the string at a.b[2]</c>, <c>a property name in a.b</c>) and the decoder's exception.</returns>
    public static (string What, InvalidOperationException Error)? FindUndecodable(JsonElement root, string rootName, string prefix)
    {
        // JsonDocument's depth limit (64) bounds the recursion.
        (string, InvalidOperationException)? Walk(JsonElement element, string? path)
        {
            var where = path ?? rootName;
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        string name;
                        try
                        {
                            name = property.Name;
                        }
                        catch (InvalidOperationException e)
                        {
                            return ($"a property name in {where}", e);
                        }
                        if (Walk(property.Value, path is null ? prefix + name : $"{path}.{name}") is { } found)
                            return found;
                    }
                    return null;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                        if (Walk(item, $"{where}[{index++}]") is { } found)
                            return found;
                    return null;
                case JsonValueKind.String:
                    try
                    {
                        element.GetString();
                        return null;
                    }
                    catch (InvalidOperationException e)
                    {
                        return ($"the string at {where}", e);
                    }
                default:
                    return null;
            }
        }

        return Walk(root, null);
    }
}
