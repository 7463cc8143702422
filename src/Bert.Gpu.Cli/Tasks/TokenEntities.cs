using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>One token of a text, or an entity made of several, with its tag and score.</summary>
/// <param name="Tag">The label (<c>B-PER</c>), or for a grouped entity the entity type (<c>PER</c>).</param>
/// <param name="Score">Its score.</param>
/// <param name="Start">First UTF-16 code unit in the text.</param>
/// <param name="End">One past the last.</param>
/// <param name="Index">For single tokens: the token's position in the encoded sequence, special tokens counted.</param>
internal sealed record TextEntity(string Tag, float Score, int Start, int End, int Index);

/// <summary>
/// transformers' TokenClassificationPipeline post-processing (src/transformers/pipelines/token_classification.py:
/// <c>gather_pre_entities</c>, <c>aggregate</c>, <c>aggregate_word(s)</c>, <c>group_sub_entities</c>,
/// <c>group_entities</c>, <c>get_tag</c>), over one text's per-token scores. Special tokens are skipped; a token is a
/// subword when the tokenizer is WordPiece (it has a continuing-subword prefix) and the token's string is not as long
/// as its source characters, otherwise by the pipeline's fallback heuristic (no space at or before its start); an
/// unknown token is never a subword. Entities tagged O (the pipeline's <c>ignore_labels</c>) are dropped.
/// </summary>
internal static class TokenEntities
{
    private const string Ignored = "O";

    /// <summary>The entities of <paramref name="text"/> from its encoding and per-token scores (<c>[tokens, labels]</c>).</summary>
    public static List<TextEntity> Find(string text, TokenizedText encoding, ReadOnlySpan<float> scores, IReadOnlyList<string> labels,
        ITokenizer tokenizer, NerAggregation aggregation)
    {
        var width = labels.Count;
        var wordPiece = tokenizer is BertTokenizer;
        var unk = tokenizer.SpecialIds.Unk;
        var offsets = encoding.Offsets ?? throw new InvalidOperationException("The tokenizer gave no offsets.");
        // gather_pre_entities
        var tokens = new List<(int Index, float[] Scores, int Start, int End, bool Subword)>();
        for (var i = 0; i < encoding.Ids.Length; i++)
        {
            var span = offsets[i];
            if (span.Length == 0 && IsSpecial(tokenizer.SpecialIds, encoding.Ids[i]))
                continue;
            var source = text.AsSpan(span.Start, span.Length);
            var subword = wordPiece
                ? tokenizer.IdToToken(encoding.Ids[i]).Length != source.Length
                : span.Start > 0 && !text.AsSpan(span.Start - 1, Math.Min(2, text.Length - span.Start + 1)).Contains(' ');
            if (encoding.Ids[i] == unk)
                subword = false;
            tokens.Add((i, scores.Slice(i * width, width).ToArray(), span.Start, span.End, subword));
        }

        List<TextEntity> entities;
        if (aggregation is NerAggregation.None or NerAggregation.Simple)
        {
            entities = tokens.Select(t =>
            {
                var best = ArgMax(t.Scores);
                return new TextEntity(labels[best], t.Scores[best], t.Start, t.End, t.Index);
            }).ToList();
        }
        else
        {
            // aggregate_words: a word is a token and the subwords after it.
            entities = [];
            var word = new List<(int Index, float[] Scores, int Start, int End, bool Subword)>();
            foreach (var t in tokens)
            {
                if (word.Count > 0 && !t.Subword)
                {
                    entities.Add(AggregateWord(word, labels, aggregation));
                    word.Clear();
                }
                word.Add(t);
            }
            if (word.Count > 0)
                entities.Add(AggregateWord(word, labels, aggregation));
        }
        if (aggregation == NerAggregation.None)
            return entities.Where(e => e.Tag != Ignored).ToList();
        return Group(entities).Where(e => e.Tag != Ignored).ToList();
    }

    private static TextEntity AggregateWord(List<(int Index, float[] Scores, int Start, int End, bool Subword)> word, IReadOnlyList<string> labels, NerAggregation aggregation)
    {
        float[] scores;
        switch (aggregation)
        {
            case NerAggregation.First:
                scores = word[0].Scores;
                break;
            case NerAggregation.Max:
                // max(entities, key=scores.max()): the first token with the highest score wins ties.
                scores = word[0].Scores;
                foreach (var t in word)
                    if (t.Scores.Max() > scores.Max())
                        scores = t.Scores;
                break;
            default:
                scores = new float[labels.Count];
                for (var l = 0; l < scores.Length; l++)
                    scores[l] = (float)word.Average(t => (double)t.Scores[l]);
                break;
        }
        var best = ArgMax(scores);
        return new TextEntity(labels[best], scores[best], word[0].Start, word[^1].End, word[0].Index);
    }

    /// <summary>group_entities: consecutive entities of one type join unless the next begins with B-; each group is scored by its members' mean.</summary>
    private static IEnumerable<TextEntity> Group(List<TextEntity> entities)
    {
        var group = new List<TextEntity>();
        foreach (var e in entities)
        {
            if (group.Count > 0)
            {
                var (bi, tag) = BioTag(e.Tag);
                var (_, lastTag) = BioTag(group[^1].Tag);
                if (tag != lastTag || bi == 'B')
                {
                    yield return SubEntities(group);
                    group.Clear();
                }
            }
            group.Add(e);
        }
        if (group.Count > 0)
            yield return SubEntities(group);
    }

    /// <summary>group_sub_entities: the first member's tag without its B-/I- prefix (split on the first '-').</summary>
    private static TextEntity SubEntities(List<TextEntity> group)
    {
        var tag = group[0].Tag;
        var dash = tag.IndexOf('-');
        return new TextEntity(dash < 0 ? tag : tag[(dash + 1)..], (float)group.Average(e => (double)e.Score), group[0].Start, group[^1].End, group[0].Index);
    }

    /// <summary>get_tag: B-X is (B, X), I-X is (I, X), anything else (I, itself).</summary>
    private static (char Bi, string Tag) BioTag(string label) =>
        label.StartsWith("B-", StringComparison.Ordinal) ? ('B', label[2..])
        : label.StartsWith("I-", StringComparison.Ordinal) ? ('I', label[2..])
        : ('I', label);

    private static bool IsSpecial(SpecialTokenIds ids, int id) => id == ids.Cls || id == ids.Sep || id == ids.Pad || id == ids.Mask;

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }
}
