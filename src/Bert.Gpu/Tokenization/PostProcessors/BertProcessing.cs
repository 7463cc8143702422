using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>HF's BertProcessing: <c>[CLS] A [SEP]</c> with type id 0, then <c>B [SEP]</c> with type id 1.</summary>
internal sealed class BertProcessing(int clsId, int sepId) : IPostProcessor
{
    public OffsetTrimming? Trimming => null;

    public int? FirstId => clsId;

    public int? LastId => sepId;

    public int AddedTokens(bool pair) => pair ? 3 : 2;

    public TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount)
    {
        var writer = new EncodingWriter(firstCount + 2 + (second is null ? 0 : secondCount + 1));
        writer.Special(clsId, 0);
        writer.Tokens(first, firstCount, 0);
        writer.Special(sepId, 0);
        if (second is not null)
        {
            writer.Tokens(second, secondCount, 1);
            writer.Special(sepId, 1);
        }
        return writer.Result();
    }
}
