namespace Bert.Gpu.Heads;

/// <summary>What a task head computes, from transformers' architecture names (<c>…ForSequenceClassification</c>, …).</summary>
public enum HeadKind
{
    /// <summary>One row of label logits per sequence (classifiers, cross-encoder rerankers with one label).</summary>
    SequenceClassification,

    /// <summary>One row of label logits per token (NER taggers).</summary>
    TokenClassification,

    /// <summary>Start and end logits per token (extractive QA).</summary>
    QuestionAnswering,

    /// <summary>Vocabulary logits per token through the tied decoder (fill-mask).</summary>
    MaskedLm,

    /// <summary>Is-next / not-next logits per sequence pair (BERT's pre-training NSP head).</summary>
    NextSentence,
}
