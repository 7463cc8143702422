using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>HF's RobertaProcessing: <c>&lt;s&gt; A &lt;/s&gt;</c> and <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>, every type id 0.</summary>
internal sealed class RobertaProcessing(int clsId, int sepId, OffsetTrimming? trimming) : IPostProcessor
{
    public OffsetTrimming? Trimming => trimming;

    public int? FirstId => clsId;

    public int? LastId => sepId;

    public int AddedTokens(bool pair) => pair ? 4 : 2;

    public TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount)
    {
        var length = firstCount + 2 + (second is null ? 0 : secondCount + 2);
        var frame = new EncodingWriter(length);
        frame.Special(clsId, 0);
        frame.Tokens(first, firstCount, 0);
        frame.Special(sepId, 0);
        if (second is not null)
        {
            frame.Special(sepId, 0);
            frame.Tokens(second, secondCount, 0);
            frame.Special(sepId, 0);
        }
        return frame.Result();
    }
}
