using System.Text;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization.Decoders;

namespace Bert.Gpu.Tokenization;

/// <summary>WordPiece tokenization identical to HuggingFace tokenizers' BERT pipeline.</summary>
/// <remarks>
/// Special tokens written in the text ("[SEP]", "[MASK]", ... exactly, case-sensitive) become their ids, then
/// BertNormalizer, BertPreTokenizer and WordPiece run on the rest, and [CLS]/[SEP] frame the result. Checked
/// id for id and offset for offset against HF tokenizers 0.23.2 (tests/oracle). Thread-safe: instances are immutable.
/// </remarks>
public sealed class BertTokenizer : ITokenizer
{
    /// <summary>The special tokens HF's BERT tokenizer.json lists as added tokens, matched in raw text.</summary>
    internal static readonly string[] DefaultSpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly string[] _tokens;
    private readonly BertNormalizer _normalizer;
    private readonly WordPieceModel _wordPiece;
    private readonly SpecialTokenSplitter _specialTokens;
    private readonly Dictionary<string, int> _ids;
    private readonly TokenTextDecoder _decoder;
    private readonly HashSet<int> _skipped;

    internal BertTokenizer(IReadOnlyList<string> tokens, BertNormalizerOptions options, string source,
        string unkToken = "[UNK]", string continuingSubwordPrefix = "##", int maxInputCharsPerWord = 100,
        IReadOnlyList<string>? specialTokens = null, TokenTextDecoder? decoder = null, IReadOnlyList<string>? skippedTokens = null)
    {
        _tokens = [.. tokens];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < _tokens.Length; id++) ids[_tokens[id]] = id;
        int Require(string token) => ids.TryGetValue(token, out var id) ? id
            : throw new ModelFormatException(source, $"the vocabulary has no {token} token; a BERT vocabulary needs [CLS], [SEP] and its unknown token ({unkToken}). Check that this is the model's vocab.txt.");
        ClsId = Require("[CLS]");
        SepId = Require("[SEP]");
        UnkId = Require(unkToken);
        Options = options;
        _normalizer = new BertNormalizer(options);
        _wordPiece = new WordPieceModel(_tokens, UnkId, continuingSubwordPrefix, maxInputCharsPerWord);
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        SpecialTokens = [.. specialTokens ?? DefaultSpecialTokens];
        _specialTokens = new SpecialTokenSplitter(SpecialTokens.Where(ids.ContainsKey).Select(t => (t, ids[t])));
        _ids = ids;
        // transformers' BertTokenizerFast decodes with WordPiece and cleanup; a tokenizer.json says what it uses.
        _decoder = decoder ?? new WordPieceDecoder(continuingSubwordPrefix, cleanup: true);
        _skipped = [.. (skippedTokens ?? SpecialTokens).Where(ids.ContainsKey).Select(t => ids[t])];
        SpecialIds = new SpecialTokenIds(ClsId, SepId, TokenToId("[PAD]"), TokenToId("[MASK]"), UnkId);
    }

    /// <summary>The unknown token's text (what <see cref="UnkId"/> stands for).</summary>
    internal string UnkToken { get; }

    /// <summary>WordPiece's prefix of a word's later pieces, <c>##</c> for BERT.</summary>
    internal string ContinuingSubwordPrefix { get; }

    /// <summary>Words longer than this many characters become the unknown token.</summary>
    internal int MaxInputCharsPerWord { get; }

    /// <summary>The added tokens matched in raw text.</summary>
    internal IReadOnlyList<string> SpecialTokens { get; }

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int VocabSize => _tokens.Length;

    /// <summary>Id of [CLS], which starts every encoding.</summary>
    public int ClsId { get; }

    /// <summary>Id of [SEP], which ends each text of an encoding.</summary>
    public int SepId { get; }

    /// <summary>Id of the unknown token, used for a word the vocabulary cannot cover.</summary>
    public int UnkId { get; }

    /// <summary>The normalizer settings in use.</summary>
    public BertNormalizerOptions Options { get; }

    /// <inheritdoc/>
    public SpecialTokenIds SpecialIds { get; }

    /// <summary>[CLS] and [SEP] for one text, [CLS] and two [SEP] for a pair.</summary>
    public int SpecialTokenCount(bool pair) => pair ? 3 : 2;

    /// <summary>Builds a tokenizer from a <c>vocab.txt</c> file (one token per line, id = line number).</summary>
    public static BertTokenizer FromVocabFile(string path, BertNormalizerOptions options) =>
        FromVocab(TokenizerFiles.ReadVocabFile(path), options, path);

    /// <summary>Builds a tokenizer from vocabulary lines (id = index).</summary>
    /// <param name="tokens">The tokens; must include [CLS], [SEP] and [UNK].</param>
    /// <param name="options">Normalizer settings.</param>
    /// <param name="source">Where the vocabulary came from, for error messages.</param>
    public static BertTokenizer FromVocab(IReadOnlyList<string> tokens, BertNormalizerOptions options, string source) =>
        new(tokens, options, source);

    /// <summary>Builds a tokenizer from a HuggingFace model directory: <c>tokenizer.json</c> if present, else <c>vocab.txt</c> (+ <c>tokenizer_config.json</c>).</summary>
    /// <exception cref="ModelFormatException">The files are missing, malformed, or describe something other than a BERT WordPiece tokenizer.</exception>
    public static BertTokenizer FromDirectory(string directory) => TokenizerFiles.Load(directory);

    /// <inheritdoc/>
    public string IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"no token has id {id}; ids are below {VocabSize}.");

    /// <inheritdoc/>
    public int? TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : null;

    /// <inheritdoc/>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens) =>
        _decoder.Decode(ids, skipSpecialTokens, IdToToken, _skipped.Contains);

    /// <summary>The WordPiece tokens of <paramref name="text"/>, without [CLS]/[SEP] and without truncation.</summary>
    public IReadOnlyList<string> Tokenize(string text) => [.. Tokens(text, int.MaxValue).Ids.Select(id => _tokens[id])];

    /// <summary>Tokenizes one text: <c>[CLS] text [SEP]</c>, truncated to <paramref name="maxLength"/> tokens.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">Most tokens in the result, [CLS] and [SEP] included (at least 2); the text's tokens are cut from the end.</param>
    public TokenizedText Encode(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var tokens = Tokens(text, maxLength);
        var kept = Math.Min(tokens.Ids.Count, maxLength - 2);
        var ids = new int[kept + 2];
        var offsets = new TokenSpan[ids.Length];
        ids[0] = ClsId;
        tokens.Ids.CopyTo(0, ids, 1, kept);
        tokens.Spans.CopyTo(0, offsets, 1, kept);
        ids[^1] = SepId;
        return new TokenizedText(ids, new int[ids.Length]) { Offsets = offsets };
    }

    /// <summary>Tokenizes a pair: <c>[CLS] a [SEP] b [SEP]</c>, truncated longest-first to <paramref name="maxLength"/> tokens.</summary>
    /// <param name="text">The first text (type id 0).</param>
    /// <param name="pair">The second text (type id 1).</param>
    /// <param name="maxLength">Most tokens in the result, the three special tokens included (at least 3); cut as HF's longest_first does.</param>
    public TokenizedText Encode(string text, string pair, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        var first = Tokens(text, maxLength);
        var second = Tokens(pair, maxLength);
        var (n1, n2) = PairTruncation.Lengths(first.Ids.Count, second.Ids.Count, maxLength);
        var ids = new int[n1 + n2 + 3];
        var typeIds = new int[ids.Length];
        var offsets = new TokenSpan[ids.Length];
        ids[0] = ClsId;
        first.Ids.CopyTo(0, ids, 1, n1);
        first.Spans.CopyTo(0, offsets, 1, n1);
        ids[n1 + 1] = SepId;
        second.Ids.CopyTo(0, ids, n1 + 2, n2);
        second.Spans.CopyTo(0, offsets, n1 + 2, n2);
        ids[^1] = SepId;
        typeIds.AsSpan(n1 + 2).Fill(1);
        return new TokenizedText(ids, typeIds) { Offsets = offsets };
    }

    // Like HF with truncation on, stops at the end of the word that reaches `limit` tokens: longer texts
    // cost no more, and the count decides which of a pair longest_first treats as the longer.
    private EncodeState Tokens(string text, int limit)
    {
        var capacity = Math.Min(text.Length / 4, limit) + 4;
        var state = new EncodeState(this, text, new List<int>(capacity), new List<TokenSpan>(capacity), new StringBuilder(), [], [], limit);
        _specialTokens.Split(text, ref state, static (segment, start, ref s) => s.Owner.AddSegment(segment, start, ref s), static (id, start, length, ref s) =>
        {
            if (s.Ids.Count >= s.Limit) return;
            s.Ids.Add(id);
            s.Spans.Add(new TokenSpan(start, start + length));
        });
        return state;
    }

    private void AddSegment(ReadOnlySpan<char> segment, int segmentStart, ref EncodeState state)
    {
        if (state.Ids.Count >= state.Limit) return;
        state.Normalized.Clear();
        state.Sources.Clear();
        state.SegmentStart = segmentStart;
        _normalizer.Normalize(segment, state.Normalized, state.Sources);
        var normalized = state.Normalized.ToString();
        BertPreTokenizer.Split(normalized, ref state, static (word, wordStart, ref s) =>
        {
            if (s.Ids.Count >= s.Limit) return;
            var first = s.Pieces.Count;
            s.Owner._wordPiece.Tokenize(word, s.Ids, s.Pieces);
            // A piece's span runs from its first character's source to the end of its last one's.
            foreach (var (start, end) in s.Pieces[first..])
                s.Spans.Add(new TokenSpan(s.SourceStart(wordStart + start), s.SourceEnd(wordStart + end - 1)));
            s.Pieces.RemoveRange(first, s.Pieces.Count - first);
        });
    }

    private record struct EncodeState(BertTokenizer Owner, string Text, List<int> Ids, List<TokenSpan> Spans, StringBuilder Normalized,
        List<int> Sources, List<TokenSpan> Pieces, int Limit)
    {
        public int SegmentStart;

        public readonly int SourceStart(int normalizedIndex) => SegmentStart + Sources[normalizedIndex];

        public readonly int SourceEnd(int normalizedIndex)
        {
            var start = SourceStart(normalizedIndex);
            return start + (char.IsHighSurrogate(Text[start]) && start + 1 < Text.Length && char.IsLowSurrogate(Text[start + 1]) ? 2 : 1);
        }
    }
}
