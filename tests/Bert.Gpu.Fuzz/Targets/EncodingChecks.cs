using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>What every encoding promises, whatever the text: the frame, the length bound, ids the vocabulary has, and truncation that only cuts.</summary>
internal static class EncodingChecks
{
    /// <summary><c>[CLS] text [SEP]</c> within <paramref name="maxLength"/>, and a prefix of the untruncated encoding.</summary>
    public static void Single(BertTokenizer tokenizer, string text, int maxLength)
    {
        var encoded = tokenizer.Encode(text, maxLength);
        var ids = encoded.Ids;
        PropertyViolation.Check(ids.Length >= 2 && ids.Length <= maxLength, $"single encoding has {ids.Length} ids; max length {maxLength}");
        Framed(tokenizer, ids);
        PropertyViolation.Check(encoded.TypeIds.Length == ids.Length && encoded.TypeIds.All(t => t == 0), "a single text has a non-zero type id");

        var full = tokenizer.Encode(text, int.MaxValue).Ids;
        PropertyViolation.Check(ids.Length == Math.Min(full.Length, maxLength), $"truncated to {maxLength}: {ids.Length} ids, untruncated {full.Length}");
        PropertyViolation.Check(ids.AsSpan(0, ids.Length - 1).SequenceEqual(full.AsSpan(0, ids.Length - 1)), "the truncated encoding is not a prefix of the untruncated one");
    }

    /// <summary><c>[CLS] a [SEP] b [SEP]</c> within <paramref name="maxLength"/>: type 0 then type 1, each side a prefix of its own encoding, untouched when both fit.</summary>
    public static void Pair(BertTokenizer tokenizer, string first, string second, int maxLength)
    {
        var encoded = tokenizer.Encode(first, second, maxLength);
        var (ids, types) = (encoded.Ids, encoded.TypeIds);
        PropertyViolation.Check(ids.Length >= 3 && ids.Length <= maxLength, $"pair encoding has {ids.Length} ids; max length {maxLength}");
        Framed(tokenizer, ids);
        PropertyViolation.Check(types.Length == ids.Length, "type ids and ids differ in length");
        var split = Array.IndexOf(types, 1);
        PropertyViolation.Check(split >= 2 && types.AsSpan(0, split).IndexOfAnyExcept(0) < 0 && types.AsSpan(split).IndexOfAnyExcept(1) < 0,
            "type ids are not zeros, then ones from the second text on");
        PropertyViolation.Check(ids[split - 1] == tokenizer.SepId, "the first text does not end with [SEP]");

        var a = ids[1..(split - 1)];
        var b = ids[split..^1];
        var fullA = tokenizer.Encode(first, int.MaxValue).Ids[1..^1];
        var fullB = tokenizer.Encode(second, int.MaxValue).Ids[1..^1];
        PropertyViolation.Check(fullA.AsSpan().StartsWith(a) && fullB.AsSpan().StartsWith(b), "a side of the pair is not a prefix of that text's own tokens");
        if (fullA.Length + fullB.Length + 3 <= maxLength)
            PropertyViolation.Check(a.Length == fullA.Length && b.Length == fullB.Length, "the pair fits but was truncated");
    }

    /// <summary>
    /// What any pipeline promises: at most <paramref name="maxLength"/> ids, each in the vocabulary, a type id per id, and
    /// offsets inside the text(s) (<paramref name="texts"/>: their concatenation, which bounds either's offsets).
    /// </summary>
    public static void Bounded(ITokenizer tokenizer, string texts, TokenizedText encoded, int maxLength)
    {
        var ids = encoded.Ids;
        PropertyViolation.Check(ids.Length <= maxLength, $"{ids.Length} ids; max length {maxLength}");
        PropertyViolation.Check(encoded.TypeIds.Length == ids.Length, "type ids and ids differ in length");
        foreach (var id in ids)
            PropertyViolation.Check(id >= 0 && id < tokenizer.VocabSize, $"id {id} is outside the {tokenizer.VocabSize}-id vocabulary");
        if (encoded.Offsets is { } offsets)
        {
            PropertyViolation.Check(offsets.Length == ids.Length, "offsets and ids differ in length");
            foreach (var span in offsets)
                PropertyViolation.Check(span.Start >= 0 && span.Start <= span.End && span.End <= texts.Length, $"offset {span} is outside the text");
        }
    }

    private static void Framed(BertTokenizer tokenizer, int[] ids)
    {
        PropertyViolation.Check(ids[0] == tokenizer.ClsId && ids[^1] == tokenizer.SepId, "the encoding does not start with [CLS] and end with [SEP]");
        foreach (var id in ids)
            PropertyViolation.Check(id >= 0 && id < tokenizer.VocabSize, $"id {id} is outside the {tokenizer.VocabSize}-token vocabulary");
    }
}
