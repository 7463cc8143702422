using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// One (question, context) pair cut into windows as transformers' QuestionAnsweringPipeline cuts it (truncation
/// <c>only_second</c> with a stride): every window holds the whole question and its special tokens, and
/// consecutive windows of the context share <c>stride</c> tokens.
/// </summary>
internal sealed class QaWindows
{
    private QaWindows(List<TokenizedText> sequences, List<(int From, int Count)> context, int prefix, TokenSpan[] contextOffsets)
    {
        Sequences = sequences;
        Context = context;
        Prefix = prefix;
        ContextOffsets = contextOffsets;
    }

    /// <summary>The windows' encodings, in order (none when the context has no tokens).</summary>
    public List<TokenizedText> Sequences { get; }

    /// <summary>For each window, the index (among the context's tokens) of its first context token, and how many it holds.</summary>
    public List<(int From, int Count)> Context { get; }

    /// <summary>Tokens before the context in every window: the question and the special tokens around it.</summary>
    public int Prefix { get; }

    /// <summary>Each context token's characters in the context.</summary>
    public TokenSpan[] ContextOffsets { get; }

    /// <summary>Cuts (<paramref name="question"/>, <paramref name="context"/>) into windows of at most <paramref name="maxLength"/> tokens.</summary>
    /// <param name="stride">Context tokens shared by consecutive windows; null: transformers' default, min(128, maxLength / 2).</param>
    /// <param name="where">The record's place (input:line), for messages.</param>
    public static QaWindows Cut(ITokenizer tokenizer, string question, string context, int maxLength, int? stride, string where)
    {
        var pair = tokenizer.Encode(question, context, int.MaxValue);
        var alone = tokenizer.Encode(context, int.MaxValue);
        var contextTokens = alone.Ids.Length - tokenizer.SpecialTokenCount(pair: false);
        var lead = Leading(alone, tokenizer.SpecialIds);
        var suffix = alone.Ids.Length - lead - contextTokens;
        var from = pair.Ids.Length - suffix - contextTokens;
        if (from < 0 || !pair.Ids.AsSpan(from, contextTokens).SequenceEqual(alone.Ids.AsSpan(lead, contextTokens)))
            throw new CliException($"{where}: this tokenizer does not encode a pair as [prefix] question [separator] context [suffix], which qa needs to cut windows.");
        var offsets = pair.Offsets![from..(from + contextTokens)];
        var sequences = new List<TokenizedText>();
        var starts = new List<(int, int)>();
        if (contextTokens == 0)
            return new QaWindows(sequences, starts, from, offsets);
        var frame = from + suffix;
        var budget = maxLength - frame;
        if (budget < 1)
            throw new CliException($"{where}: the question and its special tokens take {frame} tokens, leaving no room for the context within --max-length {maxLength}; shorten the question or raise --max-length.");
        var overlap = stride ?? Math.Min(128, maxLength / 2);
        if (overlap >= budget)
        {
            if (stride is not null)
                throw new CliException($"{where}: --stride {overlap} must be less than the {budget} context tokens a window holds here (--max-length {maxLength} less {frame} for the question and the special tokens); lower --stride or raise --max-length.");
            overlap = budget - 1;
        }
        for (var start = 0; ; start += budget - overlap)
        {
            var count = Math.Min(budget, contextTokens - start);
            var ids = new int[from + count + suffix];
            var types = new int[ids.Length];
            pair.Ids.AsSpan(0, from).CopyTo(ids);
            pair.Ids.AsSpan(from + start, count).CopyTo(ids.AsSpan(from));
            pair.Ids.AsSpan(from + contextTokens, suffix).CopyTo(ids.AsSpan(from + count));
            pair.TypeIds.AsSpan(0, from).CopyTo(types);
            pair.TypeIds.AsSpan(from + start, count).CopyTo(types.AsSpan(from));
            pair.TypeIds.AsSpan(from + contextTokens, suffix).CopyTo(types.AsSpan(from + count));
            sequences.Add(new TokenizedText(ids, types));
            starts.Add((start, count));
            if (start + count >= contextTokens)
                break;
        }
        return new QaWindows(sequences, starts, from, offsets);
    }

    /// <summary>The post-processor's tokens before the text: special ids with no characters.</summary>
    private static int Leading(TokenizedText alone, SpecialTokenIds specials)
    {
        var n = 0;
        while (n < alone.Ids.Length && alone.Offsets![n].Length == 0 && (alone.Ids[n] == specials.Cls || alone.Ids[n] == specials.Sep))
            n++;
        return n;
    }
}
