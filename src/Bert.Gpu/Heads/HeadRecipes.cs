using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;

namespace Bert.Gpu.Heads;

/// <summary>
/// Each family's heads as transformers builds them (modeling_{bert,roberta,distilbert,albert,electra}.py), over
/// canonical names (the family prefix dropped): which tensors, which activation, where the first token is taken.
/// </summary>
internal static class HeadRecipes
{
    /// <summary>The steps of <paramref name="kind"/> for <paramref name="config"/>'s family; the last linear gives the width.</summary>
    public static IReadOnlyList<HeadStep> Steps(HeadKind kind, BertConfig config)
    {
        var act = BertEncoder.FeedForwardActivation(config.HiddenAct);
        return (kind, config.Family) switch
        {
            (HeadKind.SequenceClassification, ModelFamily.Bert) => [new FirstTokenStep(), Linear("pooler.dense", Activation.Tanh), Linear("classifier")],
            (HeadKind.SequenceClassification, ModelFamily.Albert) => [new FirstTokenStep(), Linear("pooler", Activation.Tanh), Linear("classifier")],
            (HeadKind.SequenceClassification, ModelFamily.Roberta) => [new FirstTokenStep(), Linear("classifier.dense", Activation.Tanh), Linear("classifier.out_proj")],
            (HeadKind.SequenceClassification, ModelFamily.Electra) => [new FirstTokenStep(), Linear("classifier.dense", Activation.Gelu), Linear("classifier.out_proj")],
            (HeadKind.SequenceClassification, ModelFamily.DistilBert) => [new FirstTokenStep(), Linear("pre_classifier", Activation.Relu), Linear("classifier")],
            (HeadKind.TokenClassification, _) => [Linear("classifier")],
            (HeadKind.QuestionAnswering, _) => [Linear("qa_outputs")],
            (HeadKind.NextSentence, ModelFamily.Bert) => [new FirstTokenStep(), Linear("pooler.dense", Activation.Tanh), Linear("cls.seq_relationship")],
            (HeadKind.MaskedLm, ModelFamily.Bert) => MaskedLm("cls.predictions.transform.dense", act, "cls.predictions.transform.LayerNorm", config.LayerNormEps, "cls.predictions.bias"),
            (HeadKind.MaskedLm, ModelFamily.Roberta) => MaskedLm("lm_head.dense", Activation.Gelu, "lm_head.layer_norm", config.LayerNormEps, "lm_head.bias"),
            (HeadKind.MaskedLm, ModelFamily.DistilBert) => MaskedLm("vocab_transform", act, "vocab_layer_norm", 1e-12f, "vocab_projector.bias"),
            (HeadKind.MaskedLm, ModelFamily.Albert) => MaskedLm("predictions.dense", act, "predictions.LayerNorm", config.LayerNormEps, "predictions.bias"),
            (HeadKind.MaskedLm, ModelFamily.Electra) => MaskedLm("generator_predictions.dense", Activation.Gelu, "generator_predictions.LayerNorm", config.LayerNormEps, "generator_lm_head.bias"),
            _ => throw new NotSupportedException($"A {config.Family} model has no {kind} head here."),
        };
    }

    private static LinearStep Linear(string module, Activation activation = Activation.None) => new(module + ".weight", module + ".bias", activation);

    // The decoder is tied to the word embeddings (transformers' _tied_weights_keys): safetensors stores only its bias.
    private static HeadStep[] MaskedLm(string transform, Activation act, string norm, float epsilon, string bias) =>
        [Linear(transform, act), new LayerNormStep(norm + ".weight", norm + ".bias", epsilon), new LinearStep(BertTensorNames.WordEmbeddings, bias, Activation.None)];
}
