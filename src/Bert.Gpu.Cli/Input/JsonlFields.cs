using System.Text.Json;

namespace Bert.Gpu.Cli.Input;

/// <summary>String fields of one JSON Lines record, with errors that name the input, the line and the option that named the field.</summary>
internal static class JsonlFields
{
    /// <summary>
    /// The values of <paramref name="fields"/> in the JSON object on <paramref name="line"/> of the input called
    /// <paramref name="name"/>; each field comes with the option that named it, for the messages.
    /// </summary>
    /// <exception cref="CliException">The line is not a JSON object, or a field is missing, not a string, or no Unicode text.</exception>
    public static string[] Read(InputLine line, string name, IReadOnlyList<(string Field, string Option)> fields) =>
        Read(line, name, root =>
        {
            var values = new string[fields.Count];
            for (var i = 0; i < values.Length; i++)
                values[i] = StringField(root, line, name, fields[i].Field, fields[i].Option);
            return values;
        });

    /// <summary>What <paramref name="read"/> takes from the JSON object on <paramref name="line"/>.</summary>
    /// <exception cref="CliException">The line is not a JSON object.</exception>
    public static T Read<T>(InputLine line, string name, Func<JsonElement, T> read)
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
            return read(root);
        }
    }

    /// <summary>The field <paramref name="field"/> of <paramref name="root"/> (named by <paramref name="option"/>).</summary>
    /// <exception cref="CliException">No such field, or a field name that is no Unicode text.</exception>
    public static JsonElement Field(JsonElement root, InputLine line, string name, string field, string option)
    {
        JsonElement value;
        try
        {
            if (!root.TryGetProperty(field, out value))
                throw new CliException($"{name}:{line.Number}: no field \"{field}\"; check {option}.");
        }
        catch (InvalidOperationException)
        {
            // TryGetProperty unescapes the names it compares, and refuses a "\ud800" alone in any of them.
            throw new CliException($"{name}:{line.Number}: a field name holds a lone surrogate escape (a \\uD800-\\uDFFF without its pair), which is no Unicode text; fix or remove that escape.");
        }
        return value;
    }

    private static string StringField(JsonElement root, InputLine line, string name, string field, string option)
    {
        var value = Field(root, line, name, field, option);
        if (value.ValueKind != JsonValueKind.String)
            throw new CliException($"{name}:{line.Number}: field \"{field}\" is {Describe(value.ValueKind)}, not a string; check {option}.");
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

    /// <summary>A JSON value's kind in words, for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };
}
