using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>HF's BertPreTokenizer inside a tokenizer.json pipeline: <see cref="BertPreTokenizer"/>'s words (whitespace dropped, punctuation isolated).</summary>
internal sealed class BertWordsPreTokenizer : IPreTokenizer
{
    public static BertWordsPreTokenizer Instance { get; } = new();

    public void Split(SplitText source, Split split, SplitText destination)
    {
        var state = (source, split.Start, destination);
        BertPreTokenizer.Split(source.TextOf(split), ref state, static (word, start, ref s) => s.destination.AddSlice(s.source, s.Start + start, word.Length));
    }
}
