using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using static Bert.Gpu.Model.BertTensorNames;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// BERT's forward pass straight from its definition (post-LayerNorm; Q, K, V as three separate projections), every op
/// one of <see cref="Reference"/>'s double-precision ones, results rounded to fp32 between ops as the backends store
/// them. Written from the HuggingFace modelling code, not from <see cref="BertEncoder"/>: the oracle for the host
/// encoder, which in turn is the oracle for the devices.
/// </summary>
internal static class ReferenceEncoder
{
    public static float[] LastHiddenState(BertModel model, PackedBatch batch)
    {
        var c = model.Config;
        int hidden = c.HiddenSize, tokens = batch.TotalTokens;
        float[] T(string name) => model[name].Data;

        var h = new float[tokens * hidden];
        for (var t = 0; t < tokens; t++)
            for (var i = 0; i < hidden; i++)
                h[t * hidden + i] = (float)((double)T(WordEmbeddings)[batch.InputIds[t] * hidden + i]
                    + T(PositionEmbeddings)[batch.PositionIds[t] * hidden + i] + T(TokenTypeEmbeddings)[batch.TypeIds[t] * hidden + i]);
        h = Reference.LayerNorm(h, hidden, T(EmbeddingsLayerNormWeight), T(EmbeddingsLayerNormBias), c.LayerNormEps);

        for (var layer = 0; layer < c.NumLayers; layer++)
        {
            var p = Layer(layer);
            float[] Project(string part, float[] x, int outFeatures, bool gelu = false, float[]? residual = null) =>
                Reference.Linear(x, tokens, T(p + part + ".weight"), T(p + part + ".bias"), outFeatures, gelu, residual);

            var q = Project(LayerPart.Query, h, hidden);
            var k = Project(LayerPart.Key, h, hidden);
            var v = Project(LayerPart.Value, h, hidden);
            var qkv = new float[tokens * 3 * hidden];
            for (var t = 0; t < tokens; t++)
            {
                Array.Copy(q, t * hidden, qkv, t * 3 * hidden, hidden);
                Array.Copy(k, t * hidden, qkv, t * 3 * hidden + hidden, hidden);
                Array.Copy(v, t * hidden, qkv, t * 3 * hidden + 2 * hidden, hidden);
            }
            var context = Reference.Attention(qkv, batch.SeqStarts, c.NumHeads, c.HeadDim);
            var attended = Reference.LayerNorm(Project(LayerPart.AttentionOutput, context, hidden, residual: h), hidden,
                T(p + LayerPart.AttentionLayerNorm + ".weight"), T(p + LayerPart.AttentionLayerNorm + ".bias"), c.LayerNormEps);
            var intermediate = Project(LayerPart.Intermediate, attended, c.IntermediateSize, gelu: true);
            h = Reference.LayerNorm(Project(LayerPart.Output, intermediate, hidden, residual: attended), hidden,
                T(p + LayerPart.OutputLayerNorm + ".weight"), T(p + LayerPart.OutputLayerNorm + ".bias"), c.LayerNormEps);
        }
        return h;
    }
}
