using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Bench;

/// <summary>
/// What the end-to-end comparisons share: <c>--model</c> (default minilm), <c>--texts</c> (2000) fortunes entries from
/// <c>--corpus</c>, tokenized once and truncated to <c>--max-length</c> (default and at most the model's), and
/// <c>--repeats</c> (3).
/// </summary>
internal sealed record CorpusRun(string ModelName, BertModel Model, string Corpus, IReadOnlyList<string> Texts, TokenizedText[] Sequences, int Repeats)
{
    public static CorpusRun Load(string[] args)
    {
        var modelName = Args.Get(args, "--model") ?? "minilm";
        var corpus = Args.Get(args, "--corpus") ?? "/usr/share/games/fortunes";
        var model = ModelLoader.Load(modelName);
        var texts = FortuneCorpus.Read(corpus, int.Parse(Args.Get(args, "--texts") ?? "2000"));
        var maxLength = Args.Get(args, "--max-length") is { } m ? Math.Min(int.Parse(m, System.Globalization.CultureInfo.InvariantCulture), model.MaxLength) : model.MaxLength;
        var sequences = texts.Select(t => model.Tokenizer.Encode(t, maxLength)).ToArray();
        return new CorpusRun(modelName, model, corpus, texts, sequences, int.Parse(Args.Get(args, "--repeats") ?? "3"));
    }

    /// <summary>Tokens over all sequences, special tokens included.</summary>
    public long Tokens => Sequences.Sum(s => (long)s.Ids.Length);
}
