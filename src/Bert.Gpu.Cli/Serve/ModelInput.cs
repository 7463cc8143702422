using System.Text.Json;

namespace Bert.Gpu.Cli.Serve;

/// <summary>One input of a request: a text, a pair of texts (/predict, /rerank) or token ids the client tokenized itself.</summary>
internal sealed record ModelInput(string? Text, string? Pair = null, int[]? Ids = null)
{
    /// <summary>Characters sent (TEI's <c>x-compute-characters</c>).</summary>
    public int Characters => (Text?.Length ?? 0) + (Pair?.Length ?? 0);

    /// <summary>
    /// TEI's and OpenAI's <c>inputs</c>/<c>input</c>: a string, a list of strings, a list of token ids (one input), or a
    /// list of such lists (and strings); the flag says whether it was a list (TEI's "batch" method).
    /// </summary>
    public static (IReadOnlyList<ModelInput> Inputs, bool Batch) Parse(JsonElement value, string name)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return ([new ModelInput(value.GetString()!)], false);
            case JsonValueKind.Array when value.GetArrayLength() == 0:
                throw ApiError.Empty($"`{name}` cannot be empty");
            case JsonValueKind.Array when value[0].ValueKind == JsonValueKind.Number:
                return ([new ModelInput(null, Ids: ParseIds(value, name))], false);
            case JsonValueKind.Array:
                var inputs = new List<ModelInput>(value.GetArrayLength());
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    inputs.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => new ModelInput(item.GetString()!),
                        JsonValueKind.Array => new ModelInput(null, Ids: ParseIds(item, $"{name}[{i}]")),
                        _ => throw JsonRequest.WrongType($"{name}[{i}]", item, "a string or a list of token ids"),
                    });
                    i++;
                }
                return (inputs, true);
            default:
                throw JsonRequest.WrongType(name, value, "a string, a list of strings, or token ids");
        }
    }

    /// <summary>/predict's inputs: a text, a pair <c>[a, b]</c>, or a list of texts and pairs.</summary>
    public static (IReadOnlyList<ModelInput> Inputs, bool Batch) ParsePredict(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.String)
            return ([new ModelInput(value.GetString()!)], false);
        if (value.ValueKind != JsonValueKind.Array)
            throw JsonRequest.WrongType(name, value, "a string, a pair [text, text], or a list of those");
        if (value.GetArrayLength() == 0)
            throw ApiError.Empty($"`{name}` cannot be empty");
        // As TEI's untagged enums: two strings are one pair, not a batch of two.
        if (value.GetArrayLength() == 2 && value[0].ValueKind == JsonValueKind.String && value[1].ValueKind == JsonValueKind.String)
            return ([new ModelInput(value[0].GetString()!, value[1].GetString()!)], false);
        var inputs = new List<ModelInput>(value.GetArrayLength());
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"{name}[{i++}]";
            if (item.ValueKind == JsonValueKind.String)
                inputs.Add(new ModelInput(item.GetString()!));
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() is 1 or 2 && item.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
                inputs.Add(new ModelInput(item[0].GetString()!, item.GetArrayLength() == 2 ? item[1].GetString() : null));
            else
                throw JsonRequest.WrongType(at, item, "a string or a pair [text, text]");
        }
        return (inputs, true);
    }

    /// <summary>A list of strings (/rerank's <c>texts</c>, /similarity's <c>sentences</c>), not empty.</summary>
    public static IReadOnlyList<string> Strings(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw JsonRequest.WrongType(name, value, "a list of strings");
        if (value.GetArrayLength() == 0)
            throw ApiError.Empty($"`{name}` cannot be empty");
        var strings = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
            strings.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw JsonRequest.WrongType($"{name}[{strings.Count}]", item, "a string"));
        return strings;
    }

    /// <summary>A list of token ids: non-negative whole numbers.</summary>
    public static int[] ParseIds(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw JsonRequest.WrongType(name, value, "a list of token ids");
        var ids = new int[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]) || ids[i] < 0)
                throw ApiError.BadRequest($"`{name}[{i}]` is {item.GetRawText()}; token ids are whole numbers from 0 to the vocabulary size − 1.");
            i++;
        }
        return ids;
    }
}
