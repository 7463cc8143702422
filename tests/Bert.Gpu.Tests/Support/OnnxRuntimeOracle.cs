using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// ONNX Runtime running a model's own <c>model.onnx</c>: the independent oracle for encoder outputs. Sequences are
/// padded into batches with an attention mask, one batch per power-of-two width (so a few 512-token sequences do not
/// pad forty short ones to 512 as well); the padding rows are dropped from the result.
/// </summary>
internal sealed class OnnxRuntimeOracle(byte[] onnx, int hidden) : IDisposable
{
    private readonly InferenceSession _session = new(onnx);

    /// <summary>last_hidden_state of every real token, packed <c>[Σ lengths, hidden]</c> in the order given.</summary>
    public float[] LastHiddenState(IReadOnlyList<int[]> ids, IReadOnlyList<int[]> typeIds)
    {
        var starts = new int[ids.Count];
        for (var s = 1; s < ids.Count; s++)
            starts[s] = starts[s - 1] + ids[s - 1].Length;
        var packed = new float[ids.Sum(s => s.Length) * hidden];
        foreach (var group in Enumerable.Range(0, ids.Count).GroupBy(s => (int)BitOperations.RoundUpToPowerOf2((uint)ids[s].Length)))
        {
            var members = group.ToArray();
            var output = Run(members.Select(s => ids[s]).ToList(), members.Select(s => typeIds[s]).ToList());
            for (var b = 0; b < members.Length; b++)
                for (var t = 0; t < ids[members[b]].Length; t++)
                    for (var c = 0; c < hidden; c++)
                        packed[(starts[members[b]] + t) * hidden + c] = output[b, t, c];
        }
        return packed;
    }

    private Tensor<float> Run(IReadOnlyList<int[]> ids, IReadOnlyList<int[]> typeIds)
    {
        var batch = ids.Count;
        var width = ids.Max(s => s.Length);
        var inputIds = new DenseTensor<long>([batch, width]);
        var mask = new DenseTensor<long>([batch, width]);
        var types = new DenseTensor<long>([batch, width]);
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < ids[b].Length; t++)
            {
                inputIds[b, t] = ids[b][t];
                mask[b, t] = 1;
                types[b, t] = typeIds[b][t];
            }
        // RoBERTa and DistilBERT exports take no token_type_ids: feed only what the graph declares.
        NamedOnnxValue[] inputs =
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        ];
        using var results = _session.Run([.. inputs.Where(i => _session.InputMetadata.ContainsKey(i.Name))], ["last_hidden_state"]);
        // Copied out: the tensor belongs to results, which is disposed here.
        return results.Single().AsTensor<float>().Clone();
    }

    public void Dispose() => _session.Dispose();
}
