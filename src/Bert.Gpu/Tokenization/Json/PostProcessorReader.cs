using Bert.Gpu.Tokenization.PostProcessors;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>post_processor</c>.</summary>
internal static class PostProcessorReader
{
    private const string Supported = "RobertaProcessing, ByteLevel";

    /// <summary>The post-processor; <see cref="NoProcessing"/> for null.</summary>
    public static IPostProcessor Read(JsonAt? postProcessor)
    {
        if (postProcessor is not { } p) return NoProcessing.Instance;
        return p.Type() switch
        {
            "RobertaProcessing" => new RobertaProcessing(TokenId(p.Require("cls")), TokenId(p.Require("sep")), Trimming(p)),
            "ByteLevel" => new ByteLevelProcessing(Trimming(p)),
            _ => throw p.Unsupported("post-processor", Supported),
        };
    }

    private static OffsetTrimming? Trimming(JsonAt p) => p.Bool("trim_offsets", true) ? new OffsetTrimming(p.Bool("add_prefix_space", true)) : null;

    // RobertaProcessing's and BertProcessing's ["<s>", 0].
    private static int TokenId(JsonAt pair)
    {
        var items = pair.Items().ToArray();
        return items.Length == 2 ? items[1].AsIndex() : throw pair.Error("is not a [token, id] pair.");
    }
}
