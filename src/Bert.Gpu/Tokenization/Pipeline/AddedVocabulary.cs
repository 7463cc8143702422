using Bert.Gpu.Tokenization.Normalizers;

namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>
/// HF's AddedVocabulary: the added tokens with their ids, split out of the text before the model sees it, the
/// non-normalized ones from the raw text and the normalized ones (as their normalized form) from the normalized text.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedToken> _byId = [];
    private readonly Dictionary<int, string> _contents = [];

    /// <summary>Gives each token its id as HF's <c>add_tokens</c> does (the JSON's <c>id</c> is only a hint there too) and builds the matchers.</summary>
    /// <param name="tokens">The entries in file order: content and flags.</param>
    /// <param name="modelId">The model vocabulary's id of a string, or null.</param>
    /// <param name="modelVocabSize">How many entries the model's vocabulary has: HF's first id for a token it lacks.</param>
    /// <param name="normalizer">The tokenizer's normalizer, which gives normalized tokens their pattern.</param>
    public AddedVocabulary(IEnumerable<AddedToken> tokens, Func<string, int?> modelId, int modelVocabSize, INormalizer? normalizer)
    {
        var next = modelVocabSize;
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0) continue;
            var id = _ids.TryGetValue(token.Content, out var known) ? known : modelId(token.Content) ?? next++;
            _ids[token.Content] = id;
            _byId[id] = token with { Id = id };
        }
        var raw = _byId.Values.Where(t => !t.Normalized).OrderBy(t => t.Id).ToList();
        var normalized = _byId.Values.Where(t => t.Normalized).OrderBy(t => t.Id).ToList();
        Raw = new AddedTokenMatcher(raw, [.. raw.Select(t => t.Content)]);
        var patterns = normalized.Select(t => Normalize(t.Content, normalizer)).ToList();
        Normalized = new AddedTokenMatcher(normalized, [.. patterns]);
        foreach (var token in raw) _contents[token.Id] = token.Content;
        for (var i = 0; i < normalized.Count; i++) _contents[normalized[i].Id] = patterns[i];
        MaxId = _byId.Count == 0 ? -1 : _byId.Keys.Max();
    }

    /// <summary>Finds the tokens matched in the raw text.</summary>
    public AddedTokenMatcher Raw { get; }

    /// <summary>Finds the tokens matched in normalized text.</summary>
    public AddedTokenMatcher Normalized { get; }

    /// <summary>The largest added-token id, or -1 when there are none.</summary>
    public int MaxId { get; }

    /// <summary>The id of an added token's content, or null.</summary>
    public int? IdOf(string content) => _ids.TryGetValue(content, out var id) ? id : null;

    /// <summary>The token of <paramref name="id"/> as HF's <c>id_to_token</c> (and so <c>decode</c>) gives it, or null: a normalized token's normalized form (HF stores that), another's content.</summary>
    public string? ContentOf(int id) => _contents.GetValueOrDefault(id);

    /// <summary>Whether <paramref name="id"/> is an added token marked special, which decoding may drop.</summary>
    public bool IsSpecial(int id) => _byId.TryGetValue(id, out var token) && token.Special;

    private static string Normalize(string content, INormalizer? normalizer)
    {
        if (normalizer is null) return content;
        var text = new NormalizedText();
        text.Reset(content, 0);
        normalizer.Normalize(text);
        return text.ToString();
    }
}
