using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>Fills the arrays of one <see cref="TokenizedText"/>, special tokens and sequences in template order.</summary>
internal struct EncodingWriter(int length)
{
    private readonly int[] _ids = new int[length];
    private readonly int[] _typeIds = new int[length];
    private readonly TokenSpan[] _offsets = new TokenSpan[length];
    private int _at;

    /// <summary>Appends a special token; like HF, its span is (0, 0).</summary>
    public void Special(int id, int typeId)
    {
        _ids[_at] = id;
        _typeIds[_at] = typeId;
        _at++;
    }

    /// <summary>Appends the first <paramref name="count"/> tokens of <paramref name="tokens"/> with type id <paramref name="typeId"/>.</summary>
    public void Tokens(SequenceTokens tokens, int count, int typeId)
    {
        for (var i = 0; i < count; i++)
        {
            _ids[_at] = tokens.Ids[i];
            _typeIds[_at] = typeId;
            _offsets[_at] = tokens.Offsets[i];
            _at++;
        }
    }

    /// <summary>The finished encoding.</summary>
    public readonly TokenizedText Result() => new(_ids, _typeIds) { Offsets = _offsets };
}
