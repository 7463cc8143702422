using System.Text.Json;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// The fixture's texts longer than either built-in model's max length (tests/data/tokenizer/fixture.jsonl: 2116, 2502
/// and 3362 HuggingFace tokens), with the ids HuggingFace tokenizers gives them truncated at a max length.
/// </summary>
internal static class LongTexts
{
    /// <summary>
    /// Each long text with its HF ids truncated at <paramref name="maxLength"/> (so exactly that many), on one line
    /// only if <paramref name="singleLine"/>. Where HF truncated the text itself (at 128 and 512) its own row is
    /// used; at other lengths the untruncated ids are cut by HF's rule for a single sequence — [CLS], the first
    /// maxLength − 2 word pieces, [SEP] — after checking that the rule gives every row HF truncated itself.
    /// </summary>
    public static IReadOnlyList<(string Text, int[] Ids)> Load(int maxLength, bool singleLine = false)
    {
        var whole = new Dictionary<string, int[]>();
        var truncated = new List<(string Text, int MaxLength, int[] Ids)>();
        foreach (var line in File.ReadLines(RepoPaths.Data("tokenizer", "fixture.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var row = doc.RootElement;
            if (row.TryGetProperty("pair", out _))
                continue;
            var text = row.GetProperty("text").GetString()!;
            var ids = row.GetProperty("uncased").GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (row.TryGetProperty("max_length", out var m))
                truncated.Add((text, m.GetInt32(), ids));
            else if (ids.Length > 512)
                whole[text] = ids;
        }
        foreach (var (text, length, ids) in truncated.Where(t => whole.ContainsKey(t.Text)))
            Assert.Equal(ids, Truncate(whole[text], length));
        var texts = whole.Where(t => !singleLine || !t.Key.Contains('\n') && !t.Key.Contains('\r'))
            .Select(t => (t.Key, Truncate(t.Value, maxLength))).ToList();
        Assert.True(texts.Count >= 2, $"fixture.jsonl has {texts.Count} such texts; regenerate it with tests/oracle/gen.js.");
        return texts;
    }

    private static int[] Truncate(int[] ids, int maxLength) => [.. ids[..(maxLength - 1)], ids[^1]];
}
