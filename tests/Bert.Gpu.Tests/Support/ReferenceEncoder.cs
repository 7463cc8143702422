using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using static Bert.Gpu.Model.BertTensorNames;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// BERT's forward pass straight from its definition (post-LayerNorm; Q, K, V as three separate projections), every op
/// one of <see cref="Reference"/>'s double-precision ones, results rounded to fp32 between ops as the backends store
/// them. Written from the HuggingFace modelling code, not from <see cref="BertEncoder"/>: the oracle for the host
/// encoder, which in turn is the oracle for the devices. A unit of <see cref="BertModel.Quantized"/> runs through
/// <see cref="Kernels.Int8Reference"/> instead (each row quantized, int64 sums, the double epilogue), Q, K and V each
/// from its own rows of the fused int8 matrix.
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
            float[] Project(string part, float[] x, int outFeatures, bool gelu = false, float[]? residual = null)
            {
                var (unit, first) = part switch
                {
                    LayerPart.Query => (LinearUnit.Qkv, 0),
                    LayerPart.Key => (LinearUnit.Qkv, hidden),
                    LayerPart.Value => (LinearUnit.Qkv, 2 * hidden),
                    LayerPart.AttentionOutput => (LinearUnit.AttentionOutput, 0),
                    LayerPart.Intermediate => (LinearUnit.Intermediate, 0),
                    _ => (LinearUnit.Output, 0),
                };
                var bias = T(p + part + ".bias");
                if (!model.Quantized.TryGetValue(Unit(layer, unit), out var int8))
                    return Reference.Linear(x, tokens, T(p + part + ".weight"), bias, outFeatures, gelu, residual);
                var width = x.Length / tokens;
                var weight = int8.Weight.Values.AsSpan(first * width, outFeatures * width).ToArray();
                var scales = int8.Weight.Scales.AsSpan(first, outFeatures).ToArray();
                var (codes, rowScales) = Kernels.Int8Reference.QuantizeRows(x, tokens, width, int8.Activations.StaticScale);
                var sums = Kernels.Int8Reference.Accumulate(codes, tokens, weight, outFeatures, width);
                var (expected, _) = Kernels.Int8Reference.Epilogue(sums, tokens, outFeatures, rowScales, scales, bias, gelu, residual);
                return expected.Select(e => (float)e).ToArray();
            }

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
