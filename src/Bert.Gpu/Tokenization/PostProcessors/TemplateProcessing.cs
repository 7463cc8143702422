using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>HF's TemplateProcessing: the single or pair template's pieces in order, each with its type id.</summary>
internal sealed class TemplateProcessing(IReadOnlyList<TemplatePiece> single, IReadOnlyList<TemplatePiece> pair) : IPostProcessor
{
    public OffsetTrimming? Trimming => null;

    public int? FirstId => single.Count > 0 && single[0].Sequence < 0 && single[0].Ids.Length > 0 ? single[0].Ids[0] : null;

    public int? LastId => single.Count > 0 && single[^1].Sequence < 0 && single[^1].Ids.Length > 0 ? single[^1].Ids[^1] : null;

    public int AddedTokens(bool isPair) => (isPair ? pair : single).Sum(p => p.Ids.Length);

    public TokenizedText Build(SequenceTokens first, int firstCount, SequenceTokens? second, int secondCount)
    {
        var template = second is null ? single : pair;
        var writer = new EncodingWriter(AddedTokens(second is not null) + Count(template, 0, firstCount) + Count(template, 1, secondCount));
        foreach (var piece in template)
        {
            if (piece.Sequence == 0) writer.Tokens(first, firstCount, piece.TypeId);
            else if (piece.Sequence == 1 && second is not null) writer.Tokens(second, secondCount, piece.TypeId);
            else
            {
                foreach (var id in piece.Ids) writer.Special(id, piece.TypeId);
            }
        }
        return writer.Result();
    }

    private static int Count(IReadOnlyList<TemplatePiece> template, int sequence, int count) => template.Count(p => p.Sequence == sequence) * count;
}
