using Bert.Gpu.Tokenization.PostProcessors;

namespace Bert.Gpu.Tokenization.Json;

/// <summary>Reads tokenizer.json's <c>post_processor</c>.</summary>
internal static class PostProcessorReader
{
    private const string Supported = "TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel";

    /// <summary>The post-processor; <see cref="NoProcessing"/> for null.</summary>
    public static IPostProcessor Read(JsonAt? postProcessor)
    {
        if (postProcessor is not { } p) return NoProcessing.Instance;
        return p.Type() switch
        {
            "RobertaProcessing" => new RobertaProcessing(TokenId(p.Require("cls")), TokenId(p.Require("sep")), Trimming(p)),
            "ByteLevel" => new ByteLevelProcessing(Trimming(p)),
            "BertProcessing" => new BertProcessing(TokenId(p.Require("cls")), TokenId(p.Require("sep"))),
            "TemplateProcessing" => Template(p),
            _ => throw p.Unsupported("post-processor", Supported),
        };
    }

    private static TemplateProcessing Template(JsonAt p)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (name, token) in p.Require("special_tokens").Properties())
            specials[name] = [.. token.Require("ids").Items().Select(id => id.AsIndex())];
        List<TemplatePiece> Pieces(JsonAt template)
        {
            var pieces = new List<TemplatePiece>();
            foreach (var item in template.Items())
            {
                if (item.Get("Sequence") is { } sequence)
                {
                    var id = sequence.Require("id").AsString();
                    var index = id switch { "A" => 0, "B" => 1, _ => throw sequence.Require("id").Error($"is \"{id}\"; a template sequence is A or B.") };
                    pieces.Add(new TemplatePiece(index, [], sequence.Index("type_id") ?? 0));
                }
                else if (item.Get("SpecialToken") is { } special)
                {
                    var id = special.Require("id").AsString();
                    var ids = specials.TryGetValue(id, out var found) ? found : throw special.Require("id").Error($"is \"{id}\", which special_tokens does not define.");
                    pieces.Add(new TemplatePiece(-1, ids, special.Index("type_id") ?? 0));
                }
                else throw item.Error("is neither a Sequence nor a SpecialToken.");
            }
            return pieces;
        }
        return new TemplateProcessing(Pieces(p.Require("single")), Pieces(p.Require("pair")));
    }

    private static OffsetTrimming? Trimming(JsonAt p) => p.Bool("trim_offsets", true) ? new OffsetTrimming(p.Bool("add_prefix_space", true)) : null;

    // RobertaProcessing's and BertProcessing's ["<s>", 0].
    private static int TokenId(JsonAt pair)
    {
        var items = pair.Items().ToArray();
        return items.Length == 2 ? items[1].AsIndex() : throw pair.Error("is not a [token, id] pair.");
    }
}
