using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Turns a parsed tokenizer.json into the components of a <see cref="PipelineTokenizer"/>.</summary>
/// <remarks>The <c>truncation</c> is not used: Encode takes the length.</remarks>
internal static class TokenizerJsonReader
{
    /// <summary>Reads the pipeline of <paramref name="root"/>.</summary>
    public static PipelineParts Read(JsonAt root)
    {
        if (root.String("version") is { } version && version != "1.0")
            throw root.Require("version").Error($"is \"{version}\"; HF tokenizers reads version 1.0 files only.");
        var (model, vocabEntries) = ModelReader.Read(root.Require("model"));
        var normalizer = NormalizerReader.Read(root.Get("normalizer"));
        var preTokenizers = PreTokenizerReader.Read(root.Get("pre_tokenizer"));
        var postProcessor = PostProcessorReader.Read(root.Get("post_processor"));
        var added = new AddedVocabulary(AddedTokens(root.Get("added_tokens")), t => model.TokenToId(t), vocabEntries, normalizer);
        var padId = root.Get("padding")?.Index("pad_id");
        return new PipelineParts(added, normalizer, preTokenizers, model, postProcessor, padId, DecoderReader.Read(root.Get("decoder")));
    }

    private static IEnumerable<AddedToken> AddedTokens(JsonAt? added)
    {
        if (added is not { } list) yield break;
        foreach (var token in list.Items())
        {
            var special = token.Bool("special", false);
            yield return new AddedToken(
                Content: token.Require("content").AsString(),
                Id: -1,
                SingleWord: token.Bool("single_word", false),
                LStrip: token.Bool("lstrip", false),
                RStrip: token.Bool("rstrip", false),
                // HF's default: special tokens are matched in the raw text, others in the normalized text.
                Normalized: token.Bool("normalized", !special),
                Special: special);
        }
    }
}
