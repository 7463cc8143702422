using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// ONNX Runtime running a model's own <c>model.onnx</c>: the independent oracle for encoder outputs. Sequences are
/// padded into one batch with an attention mask; the padding rows are dropped from the result.
/// </summary>
internal sealed class OnnxRuntimeOracle(byte[] onnx, int hidden) : IDisposable
{
    private readonly InferenceSession _session = new(onnx);

    /// <summary>last_hidden_state of every real token, packed <c>[Σ lengths, hidden]</c>.</summary>
    public float[] LastHiddenState(IReadOnlyList<int[]> ids, IReadOnlyList<int[]> typeIds)
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
        using var results = _session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        ], ["last_hidden_state"]);
        var output = results.Single().AsTensor<float>();
        var packed = new float[ids.Sum(s => s.Length) * hidden];
        var row = 0;
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < ids[b].Length; t++, row++)
                for (var c = 0; c < hidden; c++)
                    packed[row * hidden + c] = output[b, t, c];
        return packed;
    }

    public void Dispose() => _session.Dispose();
}
