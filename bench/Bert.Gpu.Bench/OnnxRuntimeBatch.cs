using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bert.Gpu.Bench;

/// <summary>One padded batch through an ONNX Runtime BERT session, pooled as a user of ORT would pool it.</summary>
internal static class OnnxRuntimeBatch
{
    /// <summary>
    /// Runs <paramref name="batch"/> padded to its longest sequence (attention mask 0 on the padding) and returns the
    /// pooled, L2-normalized embeddings <c>[batch, width]</c>.
    /// </summary>
    public static float[] Pooled(InferenceSession session, IReadOnlyList<TokenizedText> batch, int width, PoolingMode pooling)
    {
        var longest = batch.Max(s => s.Ids.Length);
        var ids = new DenseTensor<long>([batch.Count, longest]);
        var mask = new DenseTensor<long>([batch.Count, longest]);
        var types = new DenseTensor<long>([batch.Count, longest]);
        for (var b = 0; b < batch.Count; b++)
            for (var t = 0; t < batch[b].Ids.Length; t++)
            {
                ids[b, t] = batch[b].Ids[t];
                mask[b, t] = 1;
                types[b, t] = batch[b].TypeIds[t];
            }
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", ids),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        ], ["last_hidden_state"]);
        var h = results.Single().AsTensor<float>();
        var pooled = new float[batch.Count * width];
        for (var b = 0; b < batch.Count; b++)
        {
            var row = pooled.AsSpan(b * width, width);
            var length = pooling == PoolingMode.Cls ? 1 : batch[b].Ids.Length;
            if (pooling == PoolingMode.Max)
                row.Fill(float.NegativeInfinity);
            for (var t = 0; t < length; t++)
                for (var c = 0; c < width; c++)
                    row[c] = pooling == PoolingMode.Max ? MathF.Max(row[c], h[b, t, c]) : row[c] + h[b, t, c];
            var norm = 0.0;
            foreach (var v in row)
                norm += (double)v * v;
            // Mean pooling's 1/length cancels in the normalization.
            var inverse = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
            for (var c = 0; c < width; c++)
                row[c] *= inverse;
        }
        return pooled;
    }
}
