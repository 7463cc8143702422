using Bert.Gpu.Tokenization.Models;
using Bert.Gpu.Tokenization.Pipeline;
using Bert.Gpu.Tokenization.PostProcessors;

namespace Bert.Gpu.Tokenization;

/// <summary>
/// A tokenizer.json pipeline run as HF's <c>encode</c> does: added tokens split out of the raw text, the normalizer,
/// added tokens split out of the normalized text, the pre-tokenizers, the model, longest-first truncation and the
/// post-processor, with every token's span in the original string.
/// </summary>
internal sealed class PipelineTokenizer : ITokenizer
{
    private readonly PipelineParts _parts;
    private readonly OffsetTrimming? _trimming;

    [ThreadStatic] private static Scratch? t_scratch;

    public PipelineTokenizer(PipelineParts parts)
    {
        _parts = parts;
        _trimming = parts.PostProcessor.Trimming;
        VocabSize = Math.Max(parts.Model.IdCount, parts.Added.MaxId + 1);
        int? Id(string token) => TokenToId(token);
        SpecialIds = new SpecialTokenIds(
            Cls: parts.PostProcessor.FirstId,
            Sep: parts.PostProcessor.LastId,
            Pad: parts.PadId ?? Id("<pad>") ?? Id("[PAD]"),
            Mask: Id("<mask>") ?? Id("[MASK]"),
            Unk: parts.Model.UnkId);
    }

    public int VocabSize { get; }

    public SpecialTokenIds SpecialIds { get; }

    public int SpecialTokenCount(bool pair) => _parts.PostProcessor.AddedTokens(pair);

    public string IdToToken(int id) =>
        _parts.Added.ContentOf(id) ?? _parts.Model.IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"no token has id {id}; ids are below {VocabSize}.");

    public int? TokenToId(string token) => _parts.Added.IdOf(token) ?? _parts.Model.TokenToId(token);

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens) =>
        _parts.Decoder.Decode(ids, skipSpecialTokens, IdToToken, _parts.Added.IsSpecial);

    public TokenizedText Encode(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var added = SpecialTokenCount(false);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, added);
        var scratch = t_scratch ??= new Scratch();
        EncodeSequence(text, maxLength, scratch, scratch.First);
        var result = _parts.PostProcessor.Build(scratch.First, Math.Min(scratch.First.Ids.Count, maxLength - added), null, 0);
        if (text.Length > ScratchLimit.Elements) t_scratch = null;
        return result;
    }

    public TokenizedText Encode(string text, string pair, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pair);
        var added = SpecialTokenCount(true);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, added);
        var scratch = t_scratch ??= new Scratch();
        EncodeSequence(text, maxLength, scratch, scratch.First);
        EncodeSequence(pair, maxLength, scratch, scratch.Second);
        var (n1, n2) = PairTruncation.Within(scratch.First.Ids.Count, scratch.Second.Ids.Count, maxLength - added);
        var result = _parts.PostProcessor.Build(scratch.First, n1, scratch.Second, n2);
        if (text.Length + pair.Length > ScratchLimit.Elements) t_scratch = null;
        return result;
    }

    // One text up to the post-processor. Like HF with truncation on, the model stops after the split that
    // reaches `limit` tokens, which also decides which text of a pair longest_first treats as the longer.
    private void EncodeSequence(string text, int limit, Scratch scratch, SequenceTokens output)
    {
        output.Clear();
        text = LoneSurrogates.Replace(text);
        var splits = scratch.SplitsA;
        splits.Clear();
        SplitAddedTokens(text, scratch, splits);
        foreach (var preTokenizer in _parts.PreTokenizers)
        {
            var next = ReferenceEquals(splits, scratch.SplitsA) ? scratch.SplitsB : scratch.SplitsA;
            next.Clear();
            foreach (var split in splits.Splits)
            {
                if (split.IsToken) next.AddSlice(splits, split.Start, split.Length, split.TokenId);
                else preTokenizer.Split(splits, split, next);
            }
            splits = next;
        }
        var modelTokens = scratch.ModelTokens;
        foreach (var split in splits.Splits)
        {
            var word = splits.TextOf(split);
            var starts = splits.Starts.Slice(split.Start, split.Length);
            var ends = splits.Ends.Slice(split.Start, split.Length);
            if (split.IsToken)
            {
                Add(output, split.TokenId, new TokenSpan(starts[0], ends[^1]), word, text);
            }
            else
            {
                modelTokens.Clear();
                _parts.Model.Tokenize(word, modelTokens);
                foreach (var token in modelTokens)
                    Add(output, token.Id, new TokenSpan(starts[token.Start], ends[token.End - 1]), _trimming is null ? default : _parts.Model.ValueOf(token, word), text);
            }
            if (output.Ids.Count >= limit) break;
        }
    }

    private void Add(SequenceTokens output, int id, TokenSpan span, ReadOnlySpan<char> value, string text)
    {
        if (_trimming is not null) span = _trimming.Trim(span, value, output.Ids.Count == 0, text);
        output.Ids.Add(id);
        output.Offsets.Add(span);
    }

    // HF's extract_and_normalize: raw added tokens out of the original, then each other piece normalized and
    // searched for the normalized added tokens.
    private void SplitAddedTokens(string text, Scratch scratch, SplitText splits)
    {
        var raw = scratch.RawSegments;
        raw.Clear();
        if (_parts.Added.Raw.IsEmpty) raw.Add((-1, 0, text.Length));
        else _parts.Added.Raw.Split(text, raw);
        var normalized = scratch.Normalized;
        foreach (var (tokenId, start, end) in raw)
        {
            normalized.Reset(text.AsSpan(start, end - start), start);
            if (tokenId >= 0)
            {
                splits.AddSlice(normalized, 0, normalized.Length, tokenId);
                continue;
            }
            _parts.Normalizer?.Normalize(normalized);
            if (_parts.Added.Normalized.IsEmpty)
            {
                splits.AddSlice(normalized, 0, normalized.Length);
                continue;
            }
            var inner = scratch.NormalizedSegments;
            inner.Clear();
            _parts.Added.Normalized.Split(normalized.Text, inner);
            foreach (var (innerId, innerStart, innerEnd) in inner)
                splits.AddSlice(normalized, innerStart, innerEnd - innerStart, innerId);
        }
    }

    // Per-thread buffers: encoding allocates only its result once they have grown.
    private sealed class Scratch
    {
        public SequenceTokens First { get; } = new();
        public SequenceTokens Second { get; } = new();
        public SplitText SplitsA { get; } = new();
        public SplitText SplitsB { get; } = new();
        public NormalizedText Normalized { get; } = new();
        public List<ModelToken> ModelTokens { get; } = [];
        public List<(int TokenId, int Start, int End)> RawSegments { get; } = [];
        public List<(int TokenId, int Start, int End)> NormalizedSegments { get; } = [];
    }
}
