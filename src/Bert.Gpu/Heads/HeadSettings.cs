namespace Bert.Gpu.Heads;

/// <summary>What a checkpoint's <c>config.json</c> says about its head: the class it was saved from, its labels, its problem type.</summary>
/// <param name="Architecture">The first of <c>architectures</c>, or null.</param>
/// <param name="Labels">Label names by id (<c>id2label</c>, else LABEL_0 … from <c>num_labels</c>).</param>
/// <param name="ProblemType"><c>problem_type</c>: <c>single_label_classification</c>, <c>multi_label_classification</c>, <c>regression</c>, or null.</param>
public sealed record HeadSettings(string? Architecture, IReadOnlyList<string> Labels, string? ProblemType)
{
    /// <summary>No head information (a plain encoder: built-in models, ONNX exports).</summary>
    public static HeadSettings None { get; } = new(null, [], null);

    /// <summary>The head kind the architecture names, if any.</summary>
    public HeadKind? Kind => Architecture switch
    {
        null => null,
        _ when Architecture.EndsWith("ForSequenceClassification", StringComparison.Ordinal) => HeadKind.SequenceClassification,
        _ when Architecture.EndsWith("ForTokenClassification", StringComparison.Ordinal) => HeadKind.TokenClassification,
        _ when Architecture.EndsWith("ForQuestionAnswering", StringComparison.Ordinal) => HeadKind.QuestionAnswering,
        _ when Architecture.EndsWith("ForMaskedLM", StringComparison.Ordinal) => HeadKind.MaskedLm,
        "BertForNextSentencePrediction" or "BertForPreTraining" => HeadKind.NextSentence,
        _ => null,
    };
}
