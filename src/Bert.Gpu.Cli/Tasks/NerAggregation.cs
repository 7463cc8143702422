namespace Bert.Gpu.Cli.Tasks;

/// <summary>How <c>ner</c> turns tagged tokens into entities: transformers' <c>AggregationStrategy</c>.</summary>
internal enum NerAggregation
{
    /// <summary>One entry per token that is not tagged O: <c>{"entity", "score", "index", "word", "start", "end"}</c>.</summary>
    None,

    /// <summary>Tokens' tags grouped by BIO into entities, each token on its own.</summary>
    Simple,

    /// <summary>A word takes its first token's tag and score, then words are grouped.</summary>
    First,

    /// <summary>A word takes the tag of its tokens' mean scores, then words are grouped.</summary>
    Average,

    /// <summary>A word takes the tag of its highest-scoring token, then words are grouped.</summary>
    Max,
}
