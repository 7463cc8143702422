using System.Text.Json;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Input;

/// <summary>
/// JSON Lines whose <c>--ids-field</c> holds pre-tokenized ids (special tokens included), as TEI's and OpenAI's
/// embedding APIs accept token arrays: <c>{"ids": [101, 7592, 102]}</c>. The ids are taken as they are — no
/// tokenizer runs — and the text each row is hashed by for resuming is the ids written out.
/// </summary>
internal static class JsonlIds
{
    public static IEnumerable<InputText> Read(IEnumerable<InputLine> lines, string name, string field) =>
        JsonlTexts.NonBlank(lines, name).Select(line =>
        {
            var ids = JsonlFields.Read(line, name, root => Ids(JsonlFields.Field(root, line, name, field, "--ids-field"), line, name, field));
            return new InputText(line.Number, string.Join(' ', ids), line.End, ids);
        });

    /// <summary>
    /// <paramref name="ids"/> as the encoder takes them (type ids 0), checked against the model first so that a bad
    /// record is an error naming its line (<paramref name="where"/>, <c>file:line</c>) rather than the batch's.
    /// </summary>
    /// <exception cref="CliException">Too many ids for <paramref name="maxLength"/>, or one outside the vocabulary.</exception>
    public static TokenizedText Sequence(int[] ids, string where, int maxLength, int vocabularySize)
    {
        if (ids.Length > maxLength)
            throw new CliException($"{where}: {ids.Length} ids, more than the max length {maxLength}; shorten the record (or raise --max-length up to the model's positions).");
        var outside = Array.FindIndex(ids, id => id >= vocabularySize);
        if (outside >= 0)
            throw new CliException($"{where}: id {ids[outside]} (at {outside}) is outside the model's {vocabularySize}-token vocabulary; the ids must come from this model's tokenizer.");
        return new TokenizedText(ids, new int[ids.Length]);
    }

    private static int[] Ids(JsonElement array, InputLine line, string name, string field)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
            throw new CliException($"{name}:{line.Number}: field \"{field}\" is {(array.ValueKind == JsonValueKind.Array ? "an empty array" : JsonlFields.Describe(array.ValueKind))}; --ids-field needs a non-empty array of token ids.");
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
