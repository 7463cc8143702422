namespace Bert.Gpu.Heads;

/// <summary>
/// A task head read from a checkpoint: the steps it runs after the encoder (on the same backend), its labels and how its
/// logits become scores. Heads declare their rows: one per sequence (after a <see cref="FirstTokenStep"/>) or per token.
/// </summary>
/// <param name="Kind">What it computes.</param>
/// <param name="Architecture">transformers' class it was read as, e.g. <c>RobertaForSequenceClassification</c>.</param>
/// <param name="Steps">The operations, in order.</param>
/// <param name="Width">Values in each output row: labels, 2 for QA, the vocabulary for fill-mask.</param>
/// <param name="Labels">Label names by id (classification heads; empty otherwise).</param>
/// <param name="Scores">How the logits become scores.</param>
public sealed record TaskHead(HeadKind Kind, string Architecture, IReadOnlyList<HeadStep> Steps, int Width, IReadOnlyList<string> Labels, ScoreFunction Scores)
{
    /// <summary>One output row per sequence; otherwise one per token.</summary>
    public bool PerSequence => Steps.Any(s => s is FirstTokenStep);

    /// <summary>The scores of one row of logits (<see cref="Scores"/>).</summary>
    public float[] Score(ReadOnlySpan<float> logits)
    {
        var scores = logits.ToArray();
        switch (Scores)
        {
            case ScoreFunction.Sigmoid:
                for (var i = 0; i < scores.Length; i++)
                    scores[i] = 1f / (1f + MathF.Exp(-scores[i]));
                break;
            case ScoreFunction.Softmax:
                var max = scores.Max();
                var sum = 0.0;
                for (var i = 0; i < scores.Length; i++)
                    sum += scores[i] = MathF.Exp(scores[i] - max);
                for (var i = 0; i < scores.Length; i++)
                    scores[i] = (float)(scores[i] / sum);
                break;
        }
        return scores;
    }
}
