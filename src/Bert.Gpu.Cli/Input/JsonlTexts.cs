using System.Text.Json;

namespace Bert.Gpu.Cli.Input;

/// <summary>
/// JSON Lines: each line one JSON object whose string field <c>--text-field</c> is the text. A blank line is an error
/// (skipping it would shift every later embedding off its line), except blank lines at the very end of the file.
/// </summary>
internal static class JsonlTexts
{
    /// <summary>The texts of <paramref name="lines"/> (from an input called <paramref name="name"/> in errors).</summary>
    public static IEnumerable<InputText> Read(IEnumerable<InputLine> lines, string name, string field)
    {
        long firstBlank = 0;
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                if (firstBlank == 0)
                    firstBlank = line.Number;
                continue;
            }
            if (firstBlank != 0)
                throw new CliException($"{name}:{firstBlank}: blank line; each line must be one JSON object (remove the blank lines).");
            yield return new InputText(line.Number, TextOf(line, name, field), line.End);
        }
    }

    private static string TextOf(InputLine line, string name, string field)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Text);
        }
        catch (JsonException e)
        {
            throw new CliException($"{name}:{line.Number}: not valid JSON (at byte {e.BytePositionInLine + 1}); each line must be one JSON object.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new CliException($"{name}:{line.Number}: expected a JSON object, found {Describe(root.ValueKind)}; each line must be one JSON object.");
            JsonElement value;
            try
            {
                if (!root.TryGetProperty(field, out value))
                    throw new CliException($"{name}:{line.Number}: no field \"{field}\"; check --text-field.");
            }
            catch (InvalidOperationException)
            {
                // TryGetProperty unescapes the names it compares, and refuses a "\ud800" alone in any of them.
                throw new CliException($"{name}:{line.Number}: a field name holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.");
            }
            if (value.ValueKind != JsonValueKind.String)
                throw new CliException($"{name}:{line.Number}: field \"{field}\" is {Describe(value.ValueKind)}, not a string; check --text-field.");
            try
            {
                return value.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json parses "\ud800" alone, then refuses to turn it into a string.
                throw new CliException($"{name}:{line.Number}: field \"{field}\" holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.");
            }
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };
}
