using System.Text.Json;

namespace Bert.Gpu.Cli.Input;

/// <summary>
/// JSON Lines whose <c>--ids-field</c> holds pre-tokenized ids (special tokens included), as TEI's and OpenAI's
/// embedding APIs accept token arrays: <c>{"ids": [101, 7592, 102]}</c>. The ids are taken as they are — no
/// tokenizer runs — and the text each row is hashed by for resuming is the ids written out.
/// </summary>
internal static class JsonlIds
{
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
            var ids = Ids(line, name, field);
            yield return new InputText(line.Number, string.Join(' ', ids), line.End, ids);
        }
    }

    private static int[] Ids(InputLine line, string name, string field)
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
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(field, out var array))
                throw new CliException($"{name}:{line.Number}: no field \"{field}\"; --ids-field names the array of token ids in each record.");
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
                throw new CliException($"{name}:{line.Number}: field \"{field}\" is {(array.ValueKind == JsonValueKind.Array ? "an empty array" : array.ValueKind.ToString().ToLowerInvariant())}; --ids-field needs a non-empty array of token ids.");
            var ids = new int[array.GetArrayLength()];
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]) || ids[i] < 0)
                    throw new CliException($"{name}:{line.Number}: \"{field}\"[{i}] is {item.GetRawText()}, not a token id (a non-negative integer).");
                i++;
            }
            return ids;
        }
    }
}
