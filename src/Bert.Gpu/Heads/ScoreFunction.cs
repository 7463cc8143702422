namespace Bert.Gpu.Heads;

/// <summary>How a head's logits become scores, as transformers' pipelines do by <c>problem_type</c> and label count.</summary>
public enum ScoreFunction
{
    /// <summary>Raw logits.</summary>
    None,

    /// <summary>Softmax over the row (one label per input).</summary>
    Softmax,

    /// <summary>Sigmoid of each logit (multi-label, or a single logit such as a reranker's).</summary>
    Sigmoid,
}
