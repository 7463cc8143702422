using System.Text.Json;

namespace Bert.Gpu.Tests.Support;

/// <summary>Held-out texts with the uncased ids HuggingFace tokenizers gave them (tests/data/tokenizer/heldout.jsonl).</summary>
internal static class HeldOutTexts
{
    /// <summary>
    /// Single texts (no pair, untruncated) of at most <paramref name="maxTokens"/> tokens: every <paramref name="stride"/>-th
    /// row, plus the longest rows so long sequences are always present.
    /// </summary>
    public static IReadOnlyList<(string Text, int[] Ids)> Load(int count, int maxTokens)
    {
        var rows = new List<(string, int[])>();
        foreach (var line in File.ReadLines(RepoPaths.Data("tokenizer", "heldout.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("pair", out _) || root.TryGetProperty("max_length", out _))
                continue;
            var ids = root.GetProperty("uncased").GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (ids.Length <= maxTokens)
                rows.Add((root.GetProperty("text").GetString()!, ids));
        }
        var longest = rows.OrderByDescending(r => r.Item2.Length).Take(count / 4);
        var spread = rows.Where((_, i) => i % Math.Max(1, rows.Count / (count - count / 4)) == 0).Take(count - count / 4);
        return longest.Concat(spread).Distinct().ToList();
    }
}
