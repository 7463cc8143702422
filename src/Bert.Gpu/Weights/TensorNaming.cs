namespace Bert.Gpu.Weights;

/// <summary>Maps stored tensor names to the canonical names of <see cref="Model.BertTensorNames"/>.</summary>
internal static class TensorNaming
{
    private const string BertPrefix = "bert.";

    /// <summary>The name without HuggingFace's optional <c>bert.</c> prefix (present when the checkpoint came from a task model such as BertForMaskedLM).</summary>
    public static string Canonical(string stored) =>
        stored.StartsWith(BertPrefix, StringComparison.Ordinal) ? stored[BertPrefix.Length..] : stored;

    /// <summary>True for names of the encoder's own parameters, as opposed to graph-internal or task-head tensors.</summary>
    public static bool IsEncoderTensor(string canonical) =>
        canonical.StartsWith("embeddings.", StringComparison.Ordinal)
        || canonical.StartsWith("encoder.", StringComparison.Ordinal)
        || canonical.StartsWith("pooler.", StringComparison.Ordinal);

    /// <summary>True for learned parameters (<c>.weight</c>/<c>.bias</c>), which must be floating point; other entries such as <c>position_ids</c> are bookkeeping.</summary>
    public static bool IsParameter(string canonical) =>
        canonical.EndsWith(".weight", StringComparison.Ordinal) || canonical.EndsWith(".bias", StringComparison.Ordinal);
}
