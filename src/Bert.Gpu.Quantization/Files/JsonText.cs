using System.Text.Json;

namespace Bert.Gpu.Quantization.Files;

/// <summary>
/// Checks that every string and property name of a parsed header decodes. System.Text.Json accepts invalid UTF-8 and
/// lone surrogate escapes (<c>"\uD800"</c>) inside strings when it parses, and throws InvalidOperationException only
/// when one is read, which may be long after the file was opened (the project's fuzz lane found this in every JSON reader).
/// </summary>
internal static class JsonText
{
    public static void RequireValid(JsonElement root, string path)
    {
        // JsonDocument's depth limit (64) bounds the recursion.
        void Walk(JsonElement element, string where)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                        Walk(property.Value, $"{where}.{Read(() => property.Name, $"a property name in {where}")}");
                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                        Walk(item, $"{where}[{index++}]");
                    break;
                case JsonValueKind.String:
                    Read(element.GetString, $"the string at {where}");
                    break;
            }
        }

        string Read(Func<string?> read, string what)
        {
            try
            {
                return read() ?? "";
            }
            catch (InvalidOperationException e)
            {
                throw new QbertFormatException(path, null, $"{what} is not valid UTF-8 or holds a lone surrogate; {QbertLayout.Recreate}", e);
            }
        }

        Walk(root, "header");
    }
}
