using Bert.Gpu.Tokenization.Models;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>model</c>.</summary>
internal static class ModelReader
{
    /// <summary>The model types <see cref="Read"/> accepts (WordPiece goes to <see cref="BertTokenizer"/> instead).</summary>
    public const string Supported = "BPE, Unigram (and WordPiece in BERT's pipeline)";

    // Far above any real vocabulary (the largest are about 260,000 tokens).
    private const int MaxId = 1 << 24;

    /// <summary>The model, and how many entries its vocabulary has (where HF starts numbering added tokens).</summary>
    public static (ITokenModel Model, int VocabEntries) Read(JsonAt model) => model.Type() switch
    {
        "BPE" => Bpe(model),
        "Unigram" => Unigram(model),
        _ => throw model.Unsupported("model", Supported),
    };

    private static (ITokenModel, int) Unigram(JsonAt model)
    {
        var vocab = new List<(string, double)>();
        foreach (var entry in model.Require("vocab").Items())
        {
            var parts = entry.Items().ToArray();
            if (parts.Length != 2) throw entry.Error("is not a [piece, score] pair.");
            vocab.Add((parts[0].AsString(), parts[1].AsDouble()));
        }
        var unkId = model.Index("unk_id");
        if (unkId is { } unk && unk >= vocab.Count)
            throw model.Require("unk_id").Error($"is {unk}, but model.vocab has only {vocab.Count} pieces.");
        if (unkId is not null && vocab.Count == 0) throw model.Require("vocab").Error("is empty; a Unigram model with an unk_id needs at least that piece.");
        return (new UnigramModel(vocab, unkId, model.Bool("byte_fallback", false)), vocab.Count);
    }

    private static (ITokenModel, int) Bpe(JsonAt model)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in model.Require("vocab").Properties())
        {
            vocab[token] = id.AsIndex();
            // Ids index tables here (HF keeps a hash map), so a stray huge id must not allocate gigabytes.
            if (vocab[token] >= MaxId) throw id.Error($"is {vocab[token]}; vocabulary ids above {MaxId - 1} are not supported.");
        }
        if (model.Get("dropout") is { } dropout && dropout.AsDouble() != 0)
            throw dropout.Error($"is {dropout.Element}; BPE dropout samples a different split on every call, so only null (or 0) is supported for inference.");
        var options = new BpeOptions(
            UnkToken: model.String("unk_token"),
            ContinuingSubwordPrefix: model.String("continuing_subword_prefix"),
            EndOfWordSuffix: model.String("end_of_word_suffix"),
            FuseUnk: model.Bool("fuse_unk", false),
            ByteFallback: model.Bool("byte_fallback", false),
            IgnoreMerges: model.Bool("ignore_merges", false));
        // HF looks the unknown token up in the model's vocabulary when a piece needs it, and fails that encode: refused
        // here, before any text is (found by fuzzing: a file whose unk_token was misspelled).
        if (options.UnkToken is { } unk && !vocab.ContainsKey(unk))
            throw model.Require("unk_token").Error($"is \"{unk}\", which model.vocab does not hold; name a token of the vocabulary (or null).");
        if (options.ByteFallback && (options.ContinuingSubwordPrefix is { Length: > 0 } || options.EndOfWordSuffix is { Length: > 0 }))
            throw model.Error("sets byte_fallback together with a continuing_subword_prefix or end_of_word_suffix, whose byte spans HF computes inconsistently; this combination is not supported.");
        var prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        var merges = new List<(int, int, int)>();
        foreach (var merge in model.Require("merges").Items())
        {
            var (left, right) = MergePair(merge);
            if (right.Length < prefixLength)
                throw merge.Error($"merges \"{left}\" with \"{right}\", which is shorter than the continuing_subword_prefix HF strips from it.");
            // HF's merged token: the left part and the right part without the continuing-subword prefix.
            var merged = left + right[prefixLength..];
            merges.Add((Id(vocab, left, merge), Id(vocab, right, merge), Id(vocab, merged, merge)));
        }
        return (new BpeModel(vocab, merges, options), vocab.Count);
    }

    // Both tokenizer.json forms: "a b" (split at the one space) and ["a", "b"].
    private static (string Left, string Right) MergePair(JsonAt merge)
    {
        if (merge.Element.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            var parts = merge.Items().Select(p => p.AsString()).ToArray();
            return parts.Length == 2 ? (parts[0], parts[1]) : throw merge.Error($"has {parts.Length} parts; a merge is a pair of tokens.");
        }
        var text = merge.AsString();
        var space = text.IndexOf(' ');
        return space >= 0 && text.IndexOf(' ', space + 1) < 0 ? (text[..space], text[(space + 1)..])
            : throw merge.Error($"is \"{text}\"; a merge string is two tokens separated by one space.");
    }

    private static int Id(Dictionary<string, int> vocab, string token, JsonAt merge) =>
        vocab.TryGetValue(token, out var id) ? id : throw merge.Error($"uses \"{token}\", which is not in model.vocab.");
}
